"""Peer ratings are anonymous (issue 17, acceptance 1): no page or export shows a single
peer rating or who gave it — every GET route of the app, as every actor, with a closed round
whose peer ratings are distinctive numbers; the export and the audit log carry aggregates
and counts only."""

from __future__ import annotations

import json
import re
from datetime import date
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from starrating.extensions import db
from starrating.models import AuditLog
from starrating.services import evaluation
from starrating.services.evaluation import DimensionInput, RoundInput
from tests.evaluation.helpers import DAY, user_of
from tests.security.test_matrix import ACTORS, build_context, routes, row_for, users_of

SECRET = ("97", "61")  # two of the three peer ratings of students[1]; their mean is 54.00


def planted_round(c):
    rnd = evaluation.open_round(c.admin, c.term, RoundInput(
        name="匿名互评", starts_on=date(2026, 11, 20), ends_on=date(2026, 12, 10),
        scale_min="0", scale_max="100", peer_mode="class", drop_k="0",
        dimensions=[DimensionInput(name="品德", indicator="moral.honor")]))
    dim = rnd.dimensions[0].id
    target = c.students[1]
    for rater, score in ((c.students[0], 97), (c.students[2], 61), (c.students[3], 4)):
        evaluation.submit_rating(user_of(rater), rnd.id, target.id, {dim: str(score)}, today=DAY)
    evaluation.submit_rating(user_of(target), rnd.id, target.id, {dim: "50"}, "我很认真",
                             today=DAY)
    evaluation.save_teacher_ratings(c.teacher, rnd.id, c.class_a.id, {(target.id, dim): "50"},
                                    {}, today=DAY)
    evaluation.close_round(c.admin, rnd.id)
    db.session.commit()
    return rnd


def leaks(text: str) -> list[str]:
    return [s for s in SECRET if re.search(rf"(?<![\w.\-:/]){s}(?![\w.%])", text)]


def test_no_page_or_export_shows_a_peer_rating_to_anyone(app, make, act):
    c = build_context(make, publish=False)
    rnd = planted_round(c)
    c.round_id = rnd.id  # the matrix's round URLs point at the planted round
    users = users_of(c)
    found = []
    for endpoint, rule, methods in routes():
        r = row_for(endpoint, rule)
        if "GET" not in methods or r is None or r["GET"] is None:
            continue
        for who in ACTORS:
            actor = act(users[who])
            url = r["url"](c, who)
            response = actor.get(url)
            if response.mimetype.startswith(("text/", "application/json")):
                text = response.get_data(as_text=True)
                text = text.replace(url, "")
            elif "spreadsheetml" in response.mimetype:
                book = load_workbook(BytesIO(response.get_data()))
                text = " ".join(str(v) for ws in book for row in ws.iter_rows(values_only=True)
                                for v in row if v is not None)
            else:
                continue
            if leaks(text):
                found.append((who, url, leaks(text)))
    assert not found
    assert leaks("<td>97</td>") and leaks("互评 61 分")  # the check would see one
    page = act(c.admin).get(f"/admin/evaluation/{rnd.id}").get_data(as_text=True)
    assert "54.00 (3)" in page  # the aggregate is shown


def test_the_export_gives_the_aggregate_only(app, make, act):
    c = build_context(make, publish=False)
    rnd = planted_round(c)
    response = act(c.admin).get(f"/admin/evaluation/{rnd.id}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(load_workbook(BytesIO(response.get_data())).active.iter_rows(values_only=True))
    mine = [row for row in rows if row[1] == c.students[1].student_no]
    assert len(mine) == 1
    # class, 学号, name, dimension, self, peer mean, peers, peers used, teacher, result, points
    assert mine[0][4:] == ("50.00", "54.00", 3, 3, "50.00", "51.20", "5.12")
    assert not leaks(" ".join(str(v) for row in rows for v in row if v is not None))


def test_the_audit_log_records_that_someone_rated_never_whom_or_how(app, make):
    c = build_context(make, publish=False)
    planted_round(c)
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "rate")).all()
    assert rows and all(row.student_id is None for row in rows)
    for row in rows:
        text = json.dumps([row.before, row.after], ensure_ascii=False)
        assert not leaks(text) and str(c.students[1].id) not in re.sub(r'"count": \d+', "", text)

"""Staff rankings for 评优评先: ties share a rank exactly as the quota's tie groups; only staff
reach a ranking, and no page a student can open carries rank data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from starrating.errors import NotFound, PermissionDenied
from starrating.extensions import db
from starrating.rules import tie_groups
from starrating.services import rankings
from starrating.services.results import compute_term

RULES = """
name = "排名示例"
[[dimensions]]
key = "skill"
name = "技能"
base = 60
max = 100
thresholds = { 5 = 90, 4 = 80, 3 = 70, 2 = 60 }
  [[dimensions.indicators]]
  key = "competition"
  name = "技能大赛"
  min = 0
  max = 40
[overall]
method = "weighted"
thresholds = { 5 = 90, 4 = 80, 3 = 70, 2 = 60, 1 = 0 }
quota = { 5 = 40 }
"""


def test_rank_rows_share_a_rank_per_tie_group():
    scores = [Decimal(s) for s in ("95", "95", "90", "90", "90", "80")]
    assert [rank for rank, _ in rankings.rank_rows(scores, lambda s: s)] == [1, 1, 3, 3, 3, 6]
    groups = [scores[a:b] for a, b in tie_groups(scores, lambda s: s)]
    by_rank: dict[int, list] = {}
    for rank, s in rankings.rank_rows(scores, lambda s: s):
        by_rank.setdefault(rank, []).append(s)
    assert list(by_rank.values()) == groups


@pytest.fixture
def ranked(make, school):
    """class_a of five students: 100, 95, 95, 80, 70 under a 40 % five-star quota (2 places):
    the quota admits 100 and drops the tie at 95 whole."""
    version = make.rules(school.school, RULES)
    school.term.rule_version_id = version.id
    for student, points in zip(school.students, ("40", "35", "35", "20", "10"), strict=True):
        make.entry(school.term, student, "skill.competition", points, author=school.teacher,
                   occurred_on=date(2026, 10, 1))
    db.session.commit()
    compute_term(None, school.term)
    db.session.commit()
    return school


def test_ranking_ties_equal_the_quota_tie_groups(app, ranked):
    page = rankings.ranking(ranked.teacher, None, f"class:{ranked.class_a.id}")
    ranks = {r.student_no: r.rank for r in page.rows}
    s = ranked.students
    assert [ranks[x.student_no] for x in s] == [1, 2, 2, 4, 5]
    from starrating.models import StarResult

    stars = {r.student_id: r.overall_stars for r in db.session.query(StarResult)}
    # the engine's quota dropped the tie group {s1, s2} whole: exactly one rank group here
    assert stars[s[0].id] == 5 and stars[s[1].id] == stars[s[2].id] == 4
    by_rank: dict[int, set] = {}
    for r in page.rows:
        by_rank.setdefault(r.rank, set()).add(r.student_no)
    assert by_rank[2] == {s[1].student_no, s[2].student_no}


def test_who_may_rank_what(app, ranked, make):
    t, other, admin = ranked.teacher, ranked.other_teacher, ranked.admin
    a, b = f"class:{ranked.class_a.id}", f"class:{ranked.class_b.id}"
    assert rankings.ranking(t, None, a).rows
    with pytest.raises(PermissionDenied):
        rankings.ranking(other, None, a)
    with pytest.raises(PermissionDenied):  # a teacher ranks only their own classes
        rankings.ranking(t, None, f"major:{ranked.major.id}")
    assert [c for c, _ in rankings.ranking(t, None, None).choices] == [a]
    assert len(rankings.ranking(admin, None, f"major:{ranked.major.id}").rows) == 7
    assert len(rankings.ranking(admin, None, "grade:2024").rows) == 7
    assert b in dict(rankings.ranking(admin, None, None).choices)
    with pytest.raises(PermissionDenied):
        rankings.ranking(ranked.student_user, None, a)
    # another term than the one in force: no teacher ranking there
    old = make.term(ranked.school, start=date(2025, 9, 1), end=date(2026, 1, 20))
    make.assign(old, ranked.class_a, t)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        rankings.ranking(t, old.id, a)
    from starrating.models import Role

    stranger = make.user(Role.ADMIN, make.school(name="别校").id)
    with pytest.raises(NotFound):
        rankings.ranking(stranger, ranked.term.id, a)


def test_the_ranking_page_and_its_export(app, ranked, act):
    url = f"/admin/ranking?scope=class:{ranked.class_a.id}"
    page = act(ranked.teacher).get(url)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "仅限教职工" in html and ranked.students[0].name in html
    export = act(ranked.teacher).get(url.replace("/ranking?", "/ranking.xlsx?"))
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == [1, 2, 2, 4, 5]
    assert act(ranked.student_user).get(url).status_code == 403
    assert act(ranked.other_teacher).get(url).status_code == 403


RANK_WORDS = re.compile(r"名次|排名|评优|\branking\b|\bRank\b", re.IGNORECASE)


def test_no_student_page_carries_rank_data(app, make, act):
    """Every GET route a student may open (from the authorization matrix), opened as the
    student: no ranking words, and no other student's name."""
    from tests.security import test_matrix as matrix

    c = matrix.build_context(make)
    compute_term(None, c.term)
    db.session.commit()
    student = act(c.student_user)
    opened = 0
    for endpoint, rule, methods in matrix.routes():
        row = matrix.row_for(endpoint, rule)
        if "GET" not in methods or row is None or not row["GET"]:
            continue
        if row["GET"][matrix.ACTORS.index("student")] != "A":
            continue
        response = student.get(row["url"](c, "student"))
        if response.status_code != 200 or not response.mimetype.startswith("text/"):
            continue
        opened += 1
        body = response.get_data(as_text=True)
        assert not RANK_WORDS.search(body), (rule, RANK_WORDS.search(body).group(0))
    assert opened >= 5

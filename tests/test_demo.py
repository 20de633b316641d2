"""The demo school with the default 细则 gives a plausible spread of stars."""

from __future__ import annotations

import re
from collections import Counter

from starrating.services.scoring import evaluate_term
from starrating.services.terms import find_term


def test_demo_school_has_a_plausible_spread_of_stars(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    results = evaluate_term(find_term(None))
    assert len(results) == 240
    overall = Counter(r.overall_stars for r in results.values())
    assert len(overall) >= 3, overall
    assert max(overall.values()) < 0.8 * 240, overall  # not everyone at one level
    for key in ("moral", "skill", "club", "labor"):
        levels = Counter(r.dimensions[key].stars for r in results.values())
        assert len(levels) >= 3, (key, levels)
    # students in no club are held down by the cap, without anyone typing an entry
    assert any(r.dimensions["club"].stars <= 1 for r in results.values())


def test_rules_eval_cli_on_demo_students_gives_a_spread(runner, tmp_path):
    """`rules eval` with the shipped default 细则 on the demo school's students."""
    import json
    from importlib import resources

    from starrating.services.scoring import collect_inputs

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    collected = collect_inputs(find_term(None))
    students = [{"id": s.id, "class": s.class_, "grade": s.grade, "flags": sorted(s.flags),
                 "entries": [{"indicator": k, "points": float(v)} for k, v in s.totals.items()]}
                for s in collected.inputs[:120]]
    path = tmp_path / "students.json"
    path.write_text(json.dumps({"students": students}, ensure_ascii=False), encoding="utf-8")
    rules = resources.files("starrating.rules").joinpath("default.toml")
    result = runner.invoke(args=["rules", "eval", str(rules), str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)["students"]
    assert [s["id"] for s in out] == [s["id"] for s in students]  # input order kept
    assert len(Counter(s["overall"]["stars"] for s in out)) >= 3


def test_demo_has_last_term_final_and_this_term_open_with_one_class_published(runner, app):
    """A newcomer sees the product's main page at once: one class's students have stars
    this term, and last term is final with its results, appeals and history (issue 12)."""
    import sqlalchemy as sa

    from starrating.demo import PUBLISHED_CLASS
    from starrating.extensions import db
    from starrating.models import (
        Appeal,
        AppealStatus,
        AuditLog,
        ClassTermStatus,
        SchoolClass,
        StarResult,
        Term,
        TermStatus,
    )

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    last, this = db.session.scalars(sa.select(Term).order_by(Term.start_date)).all()
    assert find_term(None).id == this.id  # today is in this term
    assert (last.status, this.status) == (TermStatus.CLOSED, TermStatus.OPEN)
    states = Counter((row.term_id, row.state.value)
                     for row in db.session.scalars(sa.select(ClassTermStatus)))
    assert states == {(last.id, "final"): 6, (this.id, "published"): 1}
    published = db.session.scalar(sa.select(ClassTermStatus).where(
        ClassTermStatus.term_id == this.id))
    assert db.session.get(SchoolClass, published.class_id).name == PUBLISHED_CLASS
    results = Counter(db.session.scalars(sa.select(StarResult.term_id)))
    assert results == {last.id: 240, this.id: 40}
    decided = Counter(a.status for a in db.session.scalars(sa.select(Appeal)))
    assert decided == {AppealStatus.ACCEPTED: 2, AppealStatus.REJECTED: 2}
    actions = set(db.session.scalars(sa.select(AuditLog.action)))
    assert {"submit", "publish", "finalize", "accept", "reject"} <= actions


def test_the_demo_student_to_try_sees_stars_on_the_first_page(runner, app):
    import sqlalchemy as sa

    from starrating.demo import DEMO_HINTS
    from starrating.extensions import db
    from starrating.models import User
    from tests.conftest import login_as

    output = runner.invoke(args=["seed-demo"]).output
    assert "2024020001" in output and DEMO_HINTS["2024020001"] in output
    user = db.session.scalar(sa.select(User).where(User.username == "2024020001"))
    html = login_as(app.test_client(), user).get("/student/").get_data(as_text=True)
    assert "公示中" in html and "公示期至" in html
    assert re.search(r"\d 星（满 5 星）", html)  # a star row with its level, not the logo
    other = db.session.scalar(sa.select(User).where(User.username == "2024010001"))
    html = login_as(app.test_client(), other).get("/student/").get_data(as_text=True)
    assert "2025—2026学年第二学期" in html  # last term to switch to, with its stars

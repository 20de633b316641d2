"""Computing a term's results: stored rows, fixed statement count, idempotence, final classes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.errors import PermissionDenied
from starrating.extensions import db
from starrating.models import ClassState, ClassTermStatus, Flag, StarResult
from starrating.rules.stored import is_reasons
from starrating.services import results, scoring, workflow
from starrating.services.class_state import Frozen
from starrating.services.student_pages import view_from_row
from tests.workflow.helpers import NOW, later


def _rows(term):
    return {r.student_id: r for r in db.session.scalars(
        sa.select(StarResult).where(StarResult.term_id == term.id))}


def test_compute_stores_scores_stars_explanations_and_next_star(school, make):
    s = school.students[0]
    make.entry(school.term, s, "moral.service", "8", school.teacher)
    summary = results.compute_term(school.admin, school.term, now=NOW)
    db.session.commit()
    assert summary.students == 7 and summary.inserted == 7
    row = _rows(school.term)[s.id]
    assert row.rule_version_id == school.term.rule_version_id
    assert row.class_id == school.class_a.id
    assert row.dimensions["moral"]["score"] == "88.00"
    assert row.dimensions["moral"]["stars"] == 4
    assert isinstance(row.overall_score, str) and row.overall_score.count(".") == 1
    assert len(row.overall_score.split(".")[1]) == 2
    # the structured reasons are stored, the text is rendered in the reader's language
    assert is_reasons(row.explain) and "zh" not in row.explain
    rules = scoring.term_rules(school.term)
    zh, nexts = results.explanation(row, rules, "zh")
    en, nexts_en = results.explanation(row, rules, "en")
    assert any("思想品德" in line for line in zh) and zh[0].startswith("思想品德 88 分")
    assert en[0].startswith("Moral conduct: 88 points") and nexts_en == nexts
    nxt = nexts["moral"]
    assert nxt["reason"] == "reachable" and nxt["level"] == 5
    assert nxt["threshold"] == "95.00" and nxt["points_needed"] == "7.00"
    assert set(nxt) == {"reason", "level", "threshold", "points_needed", "quota_limited", "cap"}


def test_recomputing_unchanged_data_stores_identical_results(school, make):
    make.entry(school.term, school.students[1], "skill.competition", "12", school.teacher)
    results.compute_term(school.admin, school.term, now=NOW)
    db.session.commit()
    first = {k: (r.overall_score, r.overall_stars, r.dimensions, r.titles, r.explain,
                 r.computed_at) for k, r in _rows(school.term).items()}
    summary = results.compute_term(school.admin, school.term, now=later(1))
    db.session.commit()
    db.session.expire_all()
    second = {k: (r.overall_score, r.overall_stars, r.dimensions, r.titles, r.explain,
                  r.computed_at) for k, r in _rows(school.term).items()}
    assert summary.unchanged == 7 and summary.changed == 0
    assert first == second


def test_recompute_updates_only_changed_students(school, make):
    results.compute_term(school.admin, school.term, now=NOW)
    db.session.commit()
    make.entry(school.term, school.students[2], "moral.service", "10", school.teacher)
    summary = results.compute_term(school.admin, school.term, now=later(1))
    db.session.commit()
    assert summary.updated == 1 and summary.unchanged == 6
    assert _rows(school.term)[school.students[2].id].dimensions["moral"]["score"] == "90.00"


def _school_with(make, n):
    from types import SimpleNamespace

    from starrating.models import Role

    school = make.school()
    major = make.major(make.department(school))
    term = make.term(school)
    classes = [make.school_class(major, school), make.school_class(major, school)]
    teacher = make.user(Role.TEACHER, school.id)
    admin = make.user(Role.ADMIN, school.id)
    for c in classes:
        make.assign(term, c, teacher)
    students = [make.student(classes[i % 2]) for i in range(n)]
    for i, s in enumerate(students):
        make.entry(term, s, "moral.service", str(1 + i % 5), teacher)
        make.entry(term, s, "skill.competition", "3", teacher)
    db.session.commit()
    return SimpleNamespace(term=term, teacher=teacher, admin=admin, students=students)


def test_statement_count_does_not_grow_with_students(make, count_queries):
    counts = []
    for n in (10, 60):
        school = _school_with(make, n)
        with count_queries() as q:
            results.compute_term(school.admin, school.term, now=NOW)
            db.session.flush()
        counts.append(q.count)
        # and a recompute with changes (update path)
        make.entry(school.term, school.students[0], "moral.service", "1", school.teacher)
        make.entry(school.term, school.students[-1], "moral.service", "1", school.teacher)
        with count_queries() as q2:
            results.compute_term(school.admin, school.term, now=later(1))
            db.session.flush()
        counts.append(q2.count)
        db.session.commit()
    assert counts[0] == counts[2], counts
    assert counts[1] == counts[3], counts
    assert counts[0] <= 15


def test_final_classes_never_change(school, make):
    workflow.submit_class(school.teacher, school.term, school.class_a.id, now=NOW)
    workflow.publish_classes(school.admin, school.term, [school.class_a.id], now=NOW)
    workflow.finalize_classes(school.admin, school.term, [school.class_a.id],
                              reason="核实无误", now=NOW)
    db.session.commit()
    before = {k: (r.overall_score, r.dimensions) for k, r in _rows(school.term).items()}
    make.entry(school.term, school.students[0], "moral.service", "10", school.teacher)
    summary = results.compute_term(school.admin, school.term, now=later(1))
    db.session.commit()
    assert summary.skipped_final == [school.class_a.id]
    assert school.class_b.id in summary.classes
    after = _rows(school.term)
    for sid, value in before.items():
        assert (after[sid].overall_score, after[sid].dimensions) == value
    with pytest.raises(Frozen):
        results.compute_term(school.admin, school.term, [school.class_a.id])


def test_refuses_when_all_final(school):
    for c in (school.class_a, school.class_b):
        db.session.add(ClassTermStatus(term_id=school.term.id, class_id=c.id,
                                       state=ClassState.FINAL))
    db.session.commit()
    with pytest.raises(Frozen):
        results.compute_term(school.admin, school.term)


def test_only_admins_of_the_school_compute(school, make):
    with pytest.raises(PermissionDenied):
        results.compute_term(school.teacher, school.term)
    from starrating.models import Role

    other_admin = make.user(Role.ADMIN, make.school().id)
    with pytest.raises(PermissionDenied):
        results.compute_term(other_admin, school.term)


def test_cli_compute_and_finalize_due(app, school, runner):
    result = runner.invoke(args=["stars", "compute", "--term", school.term.name])
    assert result.exit_code == 0, result.output
    assert "7" in result.output
    assert len(_rows(school.term)) == 7
    result = runner.invoke(args=["stars", "compute", "--term", "no such term"])
    assert result.exit_code != 0
    result = runner.invoke(args=["stars", "finalize-due"])
    assert result.exit_code == 0, result.output


def _varied(school, make):
    """Entries that reach thresholds, miss them, clamp, and a sanction flag (a cap)."""
    s = school.students
    make.entry(school.term, s[0], "moral.service", "8", school.teacher)
    make.entry(school.term, s[1], "skill.competition", "40", school.teacher)
    make.entry(school.term, s[2], "moral.discipline", "-30", school.teacher)
    make.entry(school.term, s[3], "labor.hours", "12.5", school.teacher)
    db.session.add(Flag(term_id=school.term.id, student_id=s[4].id, key="sanction.demerit",
                        start_date=school.term.start_date))
    db.session.commit()


def test_stored_explanation_renders_as_the_evaluation_does(school, make):
    """The old path (the evaluated result rendered at compute time, as stored before) and
    the new one (stored reasons rendered on show) give the same text in both languages."""
    _varied(school, make)
    results.compute_term(school.admin, school.term, now=NOW)
    db.session.commit()
    rules = scoring.term_rules(school.term)
    live = scoring.evaluate_term(school.term)
    rows = _rows(school.term)
    assert set(rows) == set(live)
    for sid, result in live.items():
        for lang in ("zh", "en"):
            lines, nexts = results.explanation(rows[sid], rules, lang)
            assert lines == result.explain(lang)
            assert nexts == results.next_star_json(result)
        # and every stored column is what result_values gives (the encoder's shortcut)
        values = results.result_values(result, rows[sid].class_id, rows[sid].rule_version_id)
        row = rows[sid]
        assert (row.overall_score, row.overall_stars, row.dimensions, row.titles, row.explain) == (
            values["overall_score"], values["overall_stars"], values["dimensions"], values["titles"],
            values["explain"])
        assert row.fingerprint == result.fingerprint()


def test_a_row_stored_with_texts_still_shows_them(app, school, make):
    """A row written before the reasons were stored holds the texts and the advice: it is
    shown as it is (a final class keeps it; any other class is rewritten by its next
    computation, whose fingerprints differ)."""
    results.compute_term(school.admin, school.term, now=NOW)
    db.session.commit()
    row = _rows(school.term)[school.students[0].id]
    row.explain = {"zh": ["旧的说明"], "en": ["the old text"],
                   "next": {"moral": {"reason": "at_max", "level": None, "threshold": None,
                                      "points_needed": None, "quota_limited": False, "cap": None}}}
    row.fingerprint = "0" * 32
    db.session.commit()
    rules = scoring.term_rules(school.term)
    assert results.explanation(row, rules, "zh") == (["旧的说明"], row.explain["next"])
    assert results.explanation(row, rules, "en")[0] == ["the old text"]
    with app.test_request_context():
        view = view_from_row(row, "en")
    assert view.explain == ["the old text"] and view.dimensions[0].next["reason"] == "at_max"
    summary = results.compute_term(school.admin, school.term, now=later(1))
    db.session.commit()
    assert summary.updated == 1 and summary.unchanged == 6
    db.session.expire_all()
    assert is_reasons(_rows(school.term)[school.students[0].id].explain)


def test_computing_pauses_the_collector_and_restores_it(school, monkeypatch):
    import gc

    seen = []
    real = scoring.evaluate_with_inputs

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring, "evaluate_with_inputs", spy)
    assert gc.isenabled()
    results.compute_term(school.admin, school.term, now=NOW)
    assert seen == [False] and gc.isenabled()
    gc.disable()  # a process that turned it off keeps it off
    try:
        results.compute_term(school.admin, school.term, now=later(1))
        assert not gc.isenabled()
    finally:
        gc.enable()

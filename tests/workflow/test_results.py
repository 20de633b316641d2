"""Computing a term's results: stored rows, fixed statement count, idempotence, final classes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.errors import PermissionDenied
from starrating.extensions import db
from starrating.models import ClassState, ClassTermStatus, StarResult
from starrating.services import results, workflow
from starrating.services.class_state import Frozen
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
    assert row.explain["zh"] and row.explain["en"]
    assert any("思想品德" in line for line in row.explain["zh"])
    nxt = row.explain["next"]["moral"]
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

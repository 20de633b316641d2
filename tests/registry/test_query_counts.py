"""The registry pages and the ranking read in a number of statements that does not grow with
the number of students, results or certificates (issue 18, acceptance 3)."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from starrating.models import Role, User
from starrating.services import registry
from starrating.services.results import compute_term
from tests.factories import _user_id_for
from tests.security.helpers import TINY_PNG

from .helpers import cert_input, competition

PAGES = {
    "competitions": ("admin", lambda s: "/admin/registry"),
    "one competition": ("admin", lambda s: f"/admin/registry/competitions/{s.comp.id}"),
    "certificates": ("admin", lambda s: "/admin/registry/certificates"),
    "claims (admin)": ("admin", lambda s: "/admin/registry/claims"),
    "claims (class teacher)": ("teacher", lambda s: "/admin/registry/claims"),
    "points table": ("admin", lambda s: "/admin/registry/settings"),
    "ranking of a class": ("teacher", lambda s: f"/admin/ranking?scope=class:{s.class_a.id}"),
    "ranking of a grade": ("admin", lambda s: "/admin/ranking?scope=grade:2024"),
    "ranking export": ("admin", lambda s: "/admin/ranking.xlsx?scope=grade:2024"),
    "student's awards and certificates": ("student", lambda s: "/student/certificates"),
}


def add_registry(make, s, students, n):
    """n more students in class A (and a new class) with results, certificates and claims."""
    new = [make.student(s.class_a, account=True) for _ in range(n)]
    extra = make.school_class(s.major, s.school)
    make.assign(s.term, extra, make.user(Role.TEACHER, s.school.id))
    new += [make.student(extra) for _ in range(n // 2)]
    db.session.commit()
    comp2 = competition(s.admin, name=f"竞赛{len(students)}", level="city")
    for i, student in enumerate(new):
        registry.add_result(s.admin, s.comp.id, student.student_no, "second")
        registry.add_result(s.admin, comp2.id, student.student_no, "first")
        registry.add_certificate(s.admin, student.student_no, cert_input(number=f"N{i}"))
        db.session.add(type(s.comp)(school_id=s.school.id, name=f"校赛{len(students)}-{i}",
                                    level="school", held_on=s.comp.held_on))
    db.session.commit()
    return new


@pytest.mark.parametrize("page", sorted(PAGES))
def test_statement_count_does_not_grow(page, make, school, act, count_queries):
    who, url_of = PAGES[page]
    s = school
    s.comp = competition(s.admin)
    for student in s.students:
        registry.add_result(s.admin, s.comp.id, student.student_no, "third")
    claim = registry.claim_certificate(s.student_user, cert_input(number="C0"),
                                       ("c.png", TINY_PNG))
    db.session.commit()
    compute_term(None, s.term)
    db.session.commit()
    user = {"teacher": s.teacher, "student": s.student_user, "admin": s.admin}[who]
    actor = act(user)
    url = url_of(s)
    assert actor.get(url).status_code == 200
    with count_queries() as small:
        assert actor.get(url).status_code == 200

    new = add_registry(make, s, s.students, 12)
    for i, student in enumerate(new[:4]):  # more claims in class A, by their own students
        user = db.session.get(User, _user_id_for(student))
        registry.claim_certificate(user, cert_input(number=f"C{i + 1}"), ("c.png", TINY_PNG))
    db.session.commit()
    compute_term(None, s.term)
    db.session.commit()
    assert claim.id
    actor.get(url)
    with count_queries() as large:
        assert actor.get(url).status_code == 200
    assert large.count == small.count, (page, small.count, large.count)

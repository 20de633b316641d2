"""Query discipline: a page's SQL statement count does not grow with class or term size.

Each page is loaded for a small school and again after the school grows (more students in
the class, more classes, more entries); the number of statements must be the same.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Role
from starrating.page_cache import BUMP
from starrating.services.results import compute_term

PAGES = {
    # name: (who, url builder)
    "teacher home": ("teacher", lambda s: "/teacher/"),
    "class page": ("teacher", lambda s: f"/teacher/class/{s.class_a.id}"),
    "class grid": ("teacher", lambda s: f"/teacher/class/{s.class_a.id}/grid"),
    "a student's entries (teacher)": ("teacher", lambda s: f"/teacher/student/{s.students[0].id}"),
    "student stars page": ("student", lambda s: "/student/"),
    "student records": ("student", lambda s: "/student/entries"),
    "admin overview": ("admin", lambda s: "/admin/"),
    "admin students": ("admin", lambda s: "/admin/students"),
    "admin classes": ("admin", lambda s: "/admin/classes"),
    "admin publishing": ("admin", lambda s: "/admin/workflow"),
    "admin dashboard": ("admin", lambda s: "/admin/dashboard"),
    "admin audit log": ("admin", lambda s: "/admin/audit"),
}


def changed() -> None:
    """A committed write elsewhere: the page is built again, not served from the page
    store (whose copy costs the login statement alone, tests/perf/test_budgets.py)."""
    db.session.execute(sa.text(BUMP))
    db.session.commit()


def grow(make, s, students: int, entries_each: int) -> None:
    """Add students to class A, a few more classes, and entries for everyone."""
    new = [make.student(s.class_a, account=True) for _ in range(students)]
    extra_class = make.school_class(s.major, s.school)
    teacher = make.user(Role.TEACHER, s.school.id)
    make.assign(s.term, extra_class, teacher)
    new += [make.student(extra_class) for _ in range(students // 2)]
    for student in [*s.students, *new]:
        for i in range(entries_each):
            make.entry(s.term, student, ["moral.service", "labor.hours", "skill.course"][i % 3],
                       "2", author=s.teacher)
    db.session.commit()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_statement_count_does_not_grow(page, make, school, act, count_queries):
    who, url_of = PAGES[page]
    user = {"teacher": school.teacher, "student": school.student_user, "admin": school.admin}[who]
    for student in school.students:
        make.entry(school.term, student, "moral.service", "2", author=school.teacher)
    db.session.commit()
    compute_term(None, school.term)
    db.session.commit()
    actor = act(user)
    url = url_of(school)
    assert actor.get(url).status_code == 200  # warm: lazy work done once
    changed()  # counted as built, not as the kept copy
    with count_queries() as small:
        assert actor.get(url).status_code == 200

    grow(make, school, students=30, entries_each=4)
    compute_term(None, school.term)
    db.session.commit()
    actor.get(url)
    changed()  # counted as built, not as the kept copy
    with count_queries() as large:
        assert actor.get(url).status_code == 200
    assert large.count == small.count, (page, small.count, large.count)


def _filled(make, setup) -> None:
    for student in [*setup.students, *setup.other_students]:
        make.entry(setup.term, student, "moral.service", "2", author=setup.teacher)
    db.session.commit()
    compute_term(None, setup.term)
    db.session.commit()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_statement_count_does_not_grow_with_the_number_of_schools(page, make, school, act,
                                                                  count_queries):
    """One school, then three (the others with the same usernames, classes and entries):
    every page of the first school costs the same statements."""
    who, url_of = PAGES[page]
    user = {"teacher": school.teacher, "student": school.student_user, "admin": school.admin}[who]
    _filled(make, school)
    actor = act(user)
    url = url_of(school)
    assert actor.get(url).status_code == 200
    changed()  # counted as built, not as the kept copy
    with count_queries() as one:
        assert actor.get(url).status_code == 200
    for _ in range(2):
        _filled(make, make.school_setup())
    actor.get(url)
    changed()  # counted as built, not as the kept copy
    with count_queries() as three:
        assert actor.get(url).status_code == 200
    assert three.count == one.count, (page, one.count, three.count)


@pytest.mark.parametrize("url", ["/city/", "/admin/", "/admin/students", "/admin/dashboard"])
def test_the_city_office_pages_cost_the_same_for_one_school_or_three(url, make, school, act,
                                                                     count_queries):
    city = make.user(Role.CITY, None, username="city")
    _filled(make, school)
    visitor = act(city)
    visitor.post(f"/city/schools/{school.school.id}/enter", {"mode": "read"})
    if url == "/city/":
        visitor.post("/city/leave")
    assert visitor.get(url).status_code == 200
    changed()  # counted as built, not as the kept copy
    with count_queries() as one:
        assert visitor.get(url).status_code == 200
    for _ in range(2):
        _filled(make, make.school_setup())
    visitor.get(url)
    changed()  # counted as built, not as the kept copy
    with count_queries() as three:
        assert visitor.get(url).status_code == 200
    assert three.count == one.count, (url, one.count, three.count)

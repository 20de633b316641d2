"""The city dashboard: each school's stored results of its term in force (by grade, by
major), entry activity, publication progress and the trend, in a fixed number of statements
whatever the number of schools; the way into a school's dashboard; who may see it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import (
    ClassState,
    ClassTermStatus,
    Department,
    Major,
    Role,
    SchoolClass,
    StarResult,
    utcnow,
)
from starrating.services import city_dashboard, terms
from starrating.services.results import compute_term


def city_user(make):
    return make.user(Role.CITY, None, username="city", display_name="市教育局")


def school_with_results(make, entries=(("moral.service", "2"), ("labor.hours", "3")),
                        second_major=True):
    """A school (make.school_setup) with a class of another grade and major, entries, the
    term's results computed and stored, one class submitted."""
    s = make.school_setup()
    if second_major:
        other = make.major(make.department(s.school, "信息工程系"), "软件技术")
        extra = make.school_class(other, s.school, grade=2025)
        teacher = make.user(Role.TEACHER, s.school.id)
        make.assign(s.term, extra, teacher)
        s.extra_students = [make.student(extra) for _ in range(3)]
    for i, student in enumerate(s.students + s.other_students):
        for indicator, points in entries[: 1 + i % len(entries)]:
            make.entry(s.term, student, indicator, points, author=s.teacher)
    db.session.add(ClassTermStatus(term_id=s.term.id, class_id=s.class_b.id,
                                   state=ClassState.SUBMITTED, submitted_at=utcnow()))
    db.session.commit()
    compute_term(None, s.term)
    db.session.commit()
    return s


def stored(term_id):
    """overall stars → students, straight from star_result."""
    return dict(db.session.execute(
        sa.select(StarResult.overall_stars, sa.func.count()).where(StarResult.term_id == term_id)
        .group_by(StarResult.overall_stars)).all())


def stored_by(term_id, key):
    rows = db.session.execute(
        sa.select(key, StarResult.overall_stars, sa.func.count())
        .join(SchoolClass, SchoolClass.id == StarResult.class_id)
        .join(Major, Major.id == SchoolClass.major_id)
        .join(Department, Department.id == Major.department_id)
        .where(StarResult.term_id == term_id).group_by(key, StarResult.overall_stars))
    return {(str(k), stars): n for k, stars, n in rows}


def test_figures_equal_the_stored_results_of_each_school(app, make):
    a = school_with_results(make)
    b = school_with_results(make, entries=(("moral.service", "-5"),), second_major=False)
    city = city_user(make)
    db.session.commit()
    dash = city_dashboard.city_dashboard(city)
    by_code = {s.code: s for s in dash.schools}
    for setup in (a, b):
        figures = by_code[setup.school.code]
        assert figures.term_id == setup.term.id
        assert {level: n for level, n in enumerate(figures.overall) if n} == stored(setup.term.id)
        assert figures.rated == sum(stored(setup.term.id).values()) > 0
        grades = {(g, level): n for g, counts in figures.by_grade
                  for level, n in enumerate(counts) if n}
        assert grades == stored_by(setup.term.id, SchoolClass.grade)
        majors = {(m, level): n for m, counts in figures.by_major
                  for level, n in enumerate(counts) if n}
        dept_major = Department.name + " · " + Major.name
        assert majors == stored_by(setup.term.id, dept_major)
    assert len(by_code[a.school.code].by_grade) == 2
    assert len(by_code[b.school.code].by_major) == 1


def test_a_school_without_stored_results_shows_none_and_nothing_is_computed(app, make):
    s = make.school_setup()
    make.entry(s.term, s.students[0], "moral.service", "2", author=s.teacher)
    city = city_user(make)
    db.session.commit()
    figures = city_dashboard.city_dashboard(city).schools[0]
    assert figures.rated == 0 and figures.by_grade == [] and figures.term_id == s.term.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StarResult)) == 0


def test_publication_progress_counts_each_state_and_due_classes_as_final(app, make):
    s = school_with_results(make)
    extra = db.session.scalars(sa.select(SchoolClass).where(
        SchoolClass.school_id == s.school.id, SchoolClass.grade == 2025)).one()
    # published with the notice period over and no appeal: reads as final
    db.session.add(ClassTermStatus(term_id=s.term.id, class_id=extra.id,
                                   state=ClassState.PUBLISHED, published_at=utcnow(),
                                   notice_ends_at=utcnow() - timedelta(days=1)))
    city = city_user(make)
    db.session.commit()
    figures = city_dashboard.city_dashboard(city).schools[0]
    assert figures.classes == 3
    assert figures.progress == {ClassState.OPEN: 1, ClassState.SUBMITTED: 1,
                                ClassState.PUBLISHED: 0, ClassState.FINAL: 1}


def test_entry_activity_counts_the_last_7_and_30_days_by_dimension(app, make):
    s = make.school_setup()
    now = utcnow()
    make.entry(s.term, s.students[0], "moral.service", "2", created_at=now - timedelta(days=1))
    make.entry(s.term, s.students[1], "labor.hours", "2", created_at=now - timedelta(days=10))
    make.entry(s.term, s.students[1], "labor.hours", "2", created_at=now - timedelta(days=40))
    make.entry(s.term, s.students[2], "moral.service", "2", created_at=now,
               deleted_at=now)
    other = make.school_setup()  # a second school's entries stay its own
    make.entry(other.term, other.students[0], "labor.hours", "2", created_at=now)
    city = city_user(make)
    db.session.commit()
    by_code = {f.code: f for f in city_dashboard.city_dashboard(city, now=now).schools}
    figures = by_code[s.school.code]
    assert figures.entries == {7: 1, 30: 2}
    assert figures.by_dimension == {"moral": {7: 1, 30: 1}, "labor": {7: 0, 30: 1}}
    assert by_code[other.school.code].entries == {7: 1, 30: 1}


def test_trend_gives_each_terms_share_with_at_least_four_stars(app, make):
    s = school_with_results(make)
    city = city_user(make)
    db.session.commit()
    figures = city_dashboard.city_dashboard(city).schools[0]
    results = stored(s.term.id)
    (point,) = figures.trend
    assert point.students == sum(results.values())
    assert point.at_least == sum(n for stars, n in results.items() if stars >= 4)


@pytest.mark.parametrize("today", [date(2026, 8, 1), date(2026, 10, 1), date(2027, 2, 1),
                                   date(2027, 4, 1), date(2027, 8, 1)])
def test_the_term_in_force_is_the_one_terms_current_term_gives(app, make, today):
    s = make.school_setup()
    make.term(s.school, "2026—2027学年第二学期", start=date(2027, 2, 20),
              end=date(2027, 7, 10))
    make.term(s.school, "2025—2026学年第二学期", start=date(2026, 2, 20),
              end=date(2026, 7, 10))
    db.session.commit()
    loaded = list(db.session.execute(sa.select(
        terms.Term.id, terms.Term.start_date, terms.Term.end_date).where(
        terms.Term.school_id == s.school.id)))
    assert city_dashboard.term_in_force(loaded, today).id == \
        terms.current_term(s.school.id, today).id


def test_statement_count_is_the_same_for_one_school_and_for_three(app, make, act,
                                                                  count_queries):
    school_with_results(make)
    city = city_user(make)
    db.session.commit()
    actor = act(city)
    assert actor.get("/city/dashboard").status_code == 200
    with count_queries() as one:
        assert actor.get("/city/dashboard").status_code == 200
    school_with_results(make)
    school_with_results(make, second_major=False)
    actor.get("/city/dashboard")
    with count_queries() as three:
        page = actor.get("/city/dashboard")
    assert page.status_code == 200 and page.get_data(as_text=True).count('data-school="') >= 12
    assert three.count == one.count, (one.count, three.count)


def test_page_shows_each_school_in_both_languages(app, make, act):
    a = school_with_results(make)
    city = city_user(make)
    db.session.commit()
    actor = act(city)
    html = actor.get("/city/dashboard").get_data(as_text=True)
    assert "全市概览" in html and a.school.code in html and "公示进度" in html
    actor.post("/lang/en")
    html = actor.get("/city/dashboard").get_data(as_text=True)
    assert "City dashboard" in html and "Publication progress" in html


@pytest.mark.parametrize("who", ["admin", "teacher", "student_user"])
def test_school_people_get_no_city_dashboard(app, school, act, who):
    actor = act(getattr(school, who))
    assert actor.get("/city/dashboard").status_code == 403


def test_anonymous_is_sent_to_log_in(app, client):
    assert client.get("/city/dashboard").status_code in (302, 401)


def test_view_enters_the_school_read_only_and_lands_on_its_dashboard(app, make, act):
    a = school_with_results(make)
    b = school_with_results(make)
    city = city_user(make)
    db.session.commit()
    actor = act(city)
    answer = actor.post(f"/city/dashboard/schools/{b.school.id}/view")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/dashboard")
    page = actor.get("/admin/dashboard").get_data(as_text=True)
    assert f">{b.term.name}</option>" in page  # school b's terms only
    assert f">{a.term.name}</option>" not in page
    # read-only: a write inside the school is refused
    assert actor.post("/admin/terms/new", {"name": "x"}).status_code == 403


def test_nav_has_the_city_dashboard(app, make, act):
    city = city_user(make)
    db.session.commit()
    html = act(city).get("/city/").get_data(as_text=True)
    assert 'href="/city/dashboard"' in html

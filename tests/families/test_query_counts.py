"""Query discipline (acceptance 6): the inbox and the guardian's pages cost the same number
of statements with one child and one notification as with several children and many."""

from __future__ import annotations

from datetime import date

import pytest

from starrating.extensions import db
from starrating.models import Notification
from starrating.services import notifications
from starrating.services.results import compute_term
from tests.families.conftest import make_guardian
from tests.workflow.helpers import publish

PAGES = {
    "guardian home": ("guardian", lambda f: "/guardian/"),
    "a child's page": ("guardian", lambda f: f"/guardian/child/{f.child_a.id}"),
    "guardian inbox": ("guardian", lambda f: "/inbox/"),
    "teacher inbox": ("teacher", lambda f: "/inbox/"),
    "inbox settings": ("guardian", lambda f: "/inbox/settings"),
    "class guardians": ("teacher", lambda f: f"/families/class/{f.class_a.id}/guardians"),
    "alerts": ("admin", lambda f: "/families/alerts"),
    "monthly preview": ("teacher", lambda f: f"/families/class/{f.class_a.id}/monthly?month=2026-10"),
}


def _notify(f, n):
    for _ in range(n):  # one event each time: an item per person
        notifications.notify(f.school.id, "deduction", [
            notifications.Item(user.id, f.child_a.id, {
                "student": f.child_a.name, "what": {"zh": "纪律", "en": "Discipline"},
                "points": "-1.00", "date": "2026-10-01"})
            for user in (f.guardian_user, f.teacher, f.admin)])
    db.session.commit()


def _grow(f, make):
    """More children for the guardian, more records, more notifications, more alerts."""
    for student in f.students[2:5]:
        make_guardian(f, [student], phone="13800000001")
    for student in f.students:
        for i in range(4):
            make.entry(f.term, student, "moral.discipline", "-6", author=f.teacher,
                       occurred_on=date(2026, 10, 1 + i))
    from starrating.services import alerts

    assert len(alerts.check(f.term, {s.id for s in f.students}, set())) == len(f.students)
    db.session.commit()
    _notify(f, 30)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_statement_count_does_not_grow(page, fam, make, act, count_queries):
    who, url_of = PAGES[page]
    user = {"guardian": fam.guardian_user, "teacher": fam.teacher, "admin": fam.admin}[who]
    make.entry(fam.term, fam.child_a, "moral.service", "2", author=fam.teacher)
    db.session.commit()
    compute_term(None, fam.term)
    publish(fam)
    _notify(fam, 1)
    actor = act(user)
    url = url_of(fam)
    assert actor.get(url).status_code == 200
    with count_queries() as small:
        assert actor.get(url).status_code == 200
    _grow(fam, make)
    compute_term(None, fam.term)
    db.session.commit()
    assert db.session.query(Notification).count() > 90
    with count_queries() as large:
        assert actor.get(url).status_code == 200
    assert large.count == small.count, (page, small.count, large.count)

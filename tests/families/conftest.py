"""Fixtures for the families tests: a guardian of two children (siblings in two classes)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from starrating.extensions import db
from starrating.models import Guardian, User, utcnow
from starrating.services import guardians
from tests.factories import password_hash


def make_guardian(school, students, name="张父", phone="13800000001", relation="父亲",
                  active=True) -> tuple[Guardian, User]:
    actor = school.admin
    guardian = None
    for student in students:
        guardian = guardians.link(actor, school.school.id, student.id, name, relation, phone)
    user = guardian.user
    if active:
        user.active = True
        user.password_hash = password_hash()
        guardian.activated_at = utcnow()
    db.session.flush()
    return guardian, user


@pytest.fixture
def fam(school):
    """school + a guardian linked to students[0] (class A) and other_students[0] (class B)."""
    child_a, child_b = school.students[0], school.other_students[0]
    guardian, user = make_guardian(school, [child_a, child_b])
    db.session.commit()
    return SimpleNamespace(**vars(school), guardian=guardian, guardian_user=user,
                           child_a=child_a, child_b=child_b, stranger=school.students[1])

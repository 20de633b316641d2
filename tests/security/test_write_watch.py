"""The sweeps' WriteWatch skips a table dump only while no write was sent: a write or a
commit makes the next dump read the tables again."""

from __future__ import annotations

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Student
from tests.security.helpers import WriteWatch


def test_a_dump_is_taken_again_after_a_write_and_only_then(app, school):
    student = school.students[0]
    db.session.commit()
    with WriteWatch() as watch:
        first = watch.dump()
        db.session.scalar(sa.select(Student.name).where(Student.id == student.id))
        db.session.rollback()
        assert watch.dump() is first and watch.dumps == 1  # only reads: not dumped again
        db.session.execute(sa.update(Student).where(Student.id == student.id)
                           .values(name="改名"))
        db.session.rollback()
        assert watch.dump() is not first and watch.dumps == 2  # a write, even rolled back
        again = watch.dump()
        db.session.scalar(sa.select(Student.name).where(Student.id == student.id))
        db.session.commit()
        assert watch.dump() is not again and watch.dumps == 3  # a commit
        db.session.execute(sa.update(Student).where(Student.id == student.id)
                           .values(name="新名"))
        db.session.commit()
        changed = watch.dump()
    assert ("新名" in repr(changed["student"])) and ("新名" not in repr(first["student"]))

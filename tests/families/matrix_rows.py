"""The families routes as rows for tests/security/test_matrix.py: it calls
`family_rows(row)` with its own row builder and `add_families(c)` at the end of
`build_context`. Actors there: anon | school A's student, other_student, teacher,
other_teacher, admin | school B's student, teacher, admin | the city office outside, inside A
read-only, inside A acting. The guardian actor itself is in tests/families/test_access.py."""

from __future__ import annotations

from starrating.extensions import db
from starrating.models import Alert
from tests.families.conftest import make_guardian

GUARDIAN_ONLY = "L" "DDDDD" "DDD" "DDD"  # no actor of the matrix is a guardian
INBOX = "L" "AAAAA" "AAA" "DAA"  # the city office outside a school has no inbox
STAFF = "L" "DDAAA" "DAA" "DAA"
CLASS_A = "L" "DDADA" "DDD" "DAA"
ADMINS = "L" "DDDDA" "DDA" "DAA"
SCHOOL_ADMIN = "L" "DDDDA" "DDD" "DAA"
EVERYONE = "A" * 12


def add_families(c) -> None:
    """A guardian not yet activated for class A (of two students: the teacher and the admin
    each unlink one), an alert of the school."""
    c.pending, _ = make_guardian(c, [c.students[3], c.students[4]], name="孙父",
                                 phone="13800000003", active=False)
    c.alert = Alert(school_id=c.school.id, term_id=c.term.id, student_id=c.students[0].id,
                    rule="deductions:-20", kind="deductions", value="-20.00")
    db.session.add(c.alert)
    db.session.commit()


def family_rows(_row) -> dict:
    """The rows, built with the matrix's `row` (which also refuses the read-only city visit
    every POST)."""
    return {
        "guardian.index": _row(lambda c, w: "/guardian/", get=GUARDIAN_ONLY),
        "guardian.child": _row(lambda c, w: f"/guardian/child/{c.students[0].id}",
                               get=GUARDIAN_ONLY),
        "guardian.opinion": _row(lambda c, w: f"/guardian/child/{c.students[0].id}/opinion",
                                 post=GUARDIAN_ONLY, data=lambda c: {"text": "好"}),
        "guardian.card": _row(lambda c, w: f"/guardian/child/{c.students[0].id}/card",
                              get=GUARDIAN_ONLY),
        "guardian.evidence": _row(
            lambda c, w: f"/guardian/child/{c.students[0].id}/evidence/{c.attachment.id}",
            get=GUARDIAN_ONLY),
        "guardian.activate": _row(lambda c, w: "/guardian/activate", get=EVERYONE, post=EVERYONE),
        "inbox.index": _row(lambda c, w: "/inbox/", get=INBOX),
        "inbox.read": _row(lambda c, w: "/inbox/read", post=INBOX),
        "inbox.settings": _row(lambda c, w: "/inbox/settings", get=INBOX, post=INBOX),
        "families.index": _row(lambda c, w: "/families/", get=STAFF),
        "families.class_guardians": _row(
            lambda c, w: f"/families/class/{c.class_a.id}/guardians", get=CLASS_A, post=CLASS_A,
            data=lambda c: {"student_id": c.students[4].id, "name": "赵母", "relation": "母亲",
                            "phone": "13500000005"}),
        "families.invite": _row(
            lambda c, w: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/invite",
            post=CLASS_A),
        "families.unlink": _row(
            lambda c, w: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/unlink/"
                         f"{(c.students[4] if w == 'admin' else c.students[3]).id}",
            post=CLASS_A),
        "families.deactivate": _row(
            lambda c, w: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/deactivate",
            post=CLASS_A),
        "families.reactivate": _row(
            lambda c, w: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/reactivate",
            post=CLASS_A),
        "families.monthly": _row(lambda c, w: f"/families/class/{c.class_a.id}/monthly",
                                 get=CLASS_A, post=CLASS_A,
                                 data=lambda c: {"month": "2026-10", "line": "本月班级劳动周表现很好"}),
        "families.slips": _row(lambda c, w: f"/families/class/{c.class_a.id}/slips", post=CLASS_A),
        "families.channel": _row(lambda c, w: f"/families/class/{c.class_a.id}/channel",
                                 get=CLASS_A, post=CLASS_A),
        "families.alert_list": _row(lambda c, w: "/families/alerts", get=ADMINS),
        "families.alert": _row(lambda c, w: f"/families/alerts/{c.alert.id}", get=SCHOOL_ADMIN,
                               post=SCHOOL_ADMIN, data=lambda c: {"note": "已谈话"}),
        "families.settings": _row(lambda c, w: "/families/settings", get=ADMINS, post=ADMINS),
    }

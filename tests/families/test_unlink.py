"""Unlinking and deactivating guardians, and children who leave the school: the guardian no
longer sees or hears about the child; deactivated (or left with no child here) they are
signed out and cannot log in, with a clear message. Each change is audited; a refused
request changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import (
    AuditLog,
    GuardianLink,
    LoginSession,
    Notification,
    StudentStatus,
)
from starrating.services import cohorts, guardians, history, notifications, setup
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from tests.security.helpers import table_dump

DEACTIVATED = "该家长账号已被学校停用"
NO_CHILD = "此账号关联的孩子均已不在本校"


def _login(app, username):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"csrf_token": csrf_from(page), "username": username,
                                       "password": PASSWORD})


def _sessions(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession).where(
        LoginSession.user_id == user.id))


def _told_guardian(f, student) -> int:
    """Inbox items the guardian gets for a deduction of `student` (notify as the hooks do)."""
    notifications.notify(f.school.id, "deduction", [
        notifications.Item(uid, sid, {"student": student.name, "what": "纪律",
                                      "points": "-1.00", "date": "2026-10-01"})
        for uid, sid in notifications.students_and_guardians([student.id])])
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == f.guardian_user.id, Notification.student_id == student.id))


def test_deactivating_signs_out_refuses_login_and_silences_until_reactivated(fam, act, app):
    guardian_page = act(fam.guardian_user)
    assert guardian_page.get("/guardian/").status_code == 200
    teacher = act(fam.teacher)
    answer = teacher.post(f"/families/class/{fam.class_a.id}/guardians/{fam.guardian.id}"
                          "/deactivate")
    assert answer.status_code == 302
    db.session.expire_all()
    assert _sessions(fam.guardian_user) == 0 and not fam.guardian_user.active
    assert fam.guardian.deactivated_at is not None
    assert guardian_page.get("/guardian/").status_code == 302  # signed out: to the login
    refused = _login(app, fam.guardian.phone)
    assert refused.status_code == 400 and DEACTIVATED in refused.get_data(as_text=True)
    wrong = app.test_client()
    wrong_page = wrong.get("/login").get_data(as_text=True)
    answer = wrong.post("/login", data={"csrf_token": csrf_from(wrong_page),
                                        "username": fam.guardian.phone, "password": "nope"})
    assert DEACTIVATED not in answer.get_data(as_text=True)  # the state only with the password
    assert _told_guardian(fam, fam.child_a) == 0
    page = teacher.get(f"/families/class/{fam.class_a.id}/guardians").get_data(as_text=True)
    assert "已停用" in page and "/reactivate" in page
    with pytest.raises(ValidationFailed):
        guardians.deactivate(fam.admin, fam.class_b.id, fam.guardian.id)
    db.session.rollback()
    # the 学生处 reactivates it (from the sibling's class): the password works again
    guardians.reactivate(fam.admin, fam.class_b.id, fam.guardian.id)
    db.session.commit()
    assert _login(app, fam.guardian.phone).status_code == 302
    assert _told_guardian(fam, fam.child_a) == 1
    rows = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.object_type == "guardian", AuditLog.action.in_(["deactivate", "reactivate"]))
        .order_by(AuditLog.id)).all()
    with force_locale("zh_Hans_CN"):
        told = [t.sentence for t in history.tell(rows)]
    assert told == ["王老师 停用了家长 张父 的账号", "学生处 恢复了家长 张父 的账号"]


def test_a_deactivated_guardian_cannot_activate_with_an_earlier_code(school, app):
    guardian = guardians.add_guardian(school.teacher, school.class_a.id, guardians.GuardianInput(
        school.students[0].id, "王母", "母亲", "13900000002"))
    db.session.commit()
    code = guardians.invite(school.teacher, school.class_a.id, guardian.id)
    guardians.deactivate(school.teacher, school.class_a.id, guardian.id)
    db.session.commit()
    client = app.test_client()
    page = client.get("/guardian/activate").get_data(as_text=True)
    answer = client.post("/guardian/activate", data={
        "csrf_token": csrf_from(page), "code": code, "new_password": "Famili3s2026",
        "confirm": "Famili3s2026"})
    assert answer.status_code == 400
    with pytest.raises(ValidationFailed):
        guardians.invite(school.teacher, school.class_a.id, guardian.id)
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        guardians.invitation_slips(school.teacher, school.class_a.id)  # nobody left to invite
    db.session.rollback()
    guardians.reactivate(school.teacher, school.class_a.id, guardian.id)
    db.session.commit()
    assert not guardian.user.active  # never activated: it needs a new code
    assert guardians.invite(school.teacher, school.class_a.id, guardian.id)


def test_unlinking_hides_the_child_and_the_last_unlink_ends_the_login(fam, act, app):
    guardian_page = act(fam.guardian_user)
    teacher = act(fam.teacher)
    answer = teacher.post(f"/families/class/{fam.class_a.id}/guardians/{fam.guardian.id}"
                          f"/unlink/{fam.child_a.id}")
    assert answer.status_code == 302
    home = guardian_page.get("/guardian/").get_data(as_text=True)
    assert fam.child_b.name in home and fam.child_a.name not in home
    assert guardian_page.get(f"/guardian/child/{fam.child_a.id}").status_code == 404
    assert _told_guardian(fam, fam.child_a) == 0
    assert _sessions(fam.guardian_user) == 1  # child_b is still theirs
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "unlink"))
    with force_locale("zh_Hans_CN"):
        assert history.tell([audit])[0].sentence.startswith("王老师 解除了家长 张父 与 ")
    assert audit.student_id == fam.child_a.id
    # the 学生处 unlinks the other child: nobody is left, so no login any more
    guardians.unlink(fam.admin, fam.class_b.id, fam.guardian.id, fam.child_b.id)
    db.session.commit()
    assert _sessions(fam.guardian_user) == 0
    refused = _login(app, fam.guardian.phone)
    assert refused.status_code == 400 and NO_CHILD in refused.get_data(as_text=True)


def test_others_may_not_unlink_or_deactivate_and_change_nothing(fam, act, make):
    with pytest.raises(PermissionDenied):  # class B's teacher, class A's child
        guardians.unlink(fam.other_teacher, fam.class_a.id, fam.guardian.id, fam.child_a.id)
    with pytest.raises(NotFound):  # class B's teacher names child_a through class B
        guardians.unlink(fam.other_teacher, fam.class_b.id, fam.guardian.id, fam.child_a.id)
    with pytest.raises(PermissionDenied):
        guardians.deactivate(fam.student_user, fam.class_a.id, fam.guardian.id)
    other = make.school_setup()
    with pytest.raises(NotFound):
        guardians.deactivate(other.admin, fam.class_a.id, fam.guardian.id)
    db.session.rollback()
    before = table_dump()
    base = f"/families/class/{fam.class_a.id}/guardians/{fam.guardian.id}"
    stranger, outsider, child = act(fam.other_teacher), act(other.admin), act(fam.student_user)
    for url in (f"{base}/unlink/{fam.child_a.id}", f"{base}/deactivate", f"{base}/reactivate"):
        assert stranger.post(url).status_code == 403
        assert child.post(url).status_code == 403
        assert outsider.post(url).status_code == 404
        assert act(fam.guardian_user).post(url).status_code == 403
    wrong = f"/families/class/{fam.class_b.id}/guardians/{fam.guardian.id}/unlink/{fam.child_a.id}"
    assert act(fam.other_teacher).post(wrong).status_code == 404
    assert table_dump() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianLink)) == 2


def test_a_child_who_leaves_is_no_longer_shown_and_the_last_one_ends_the_login(
        fam, act, app):
    guardian_page = act(fam.guardian_user)
    setup.update_student(fam.admin, fam.child_a.id, {
        "student_no": fam.child_a.student_no, "name": fam.child_a.name, "gender": "male",
        "class_id": fam.class_a.id, "status": "withdrawn"})
    db.session.commit()
    home = guardian_page.get("/guardian/").get_data(as_text=True)
    assert fam.child_b.name in home and fam.child_a.name not in home
    assert guardian_page.get(f"/guardian/child/{fam.child_a.id}").status_code == 404
    assert _told_guardian(fam, fam.child_a) == 0
    assert _sessions(fam.guardian_user) == 1
    # 休学 (suspended) is still the school's child: shown and told
    setup.update_student(fam.admin, fam.child_b.id, {
        "student_no": fam.child_b.student_no, "name": fam.child_b.name, "gender": "male",
        "class_id": fam.class_b.id, "status": "suspended"})
    db.session.commit()
    assert fam.child_b.name in guardian_page.get("/guardian/").get_data(as_text=True)
    assert _told_guardian(fam, fam.child_b) == 1
    # the last child graduates (a bulk status change): signed out, no login, clear message
    data = {"selection": "list", "student_nos": fam.child_b.student_no,
            "to_status": "graduated", "from_status": ""}
    plan = cohorts.preview(fam.admin, data)
    cohorts.confirm(fam.admin, {**data, "plan": plan.fingerprint})
    db.session.commit()
    assert _sessions(fam.guardian_user) == 0
    refused = _login(app, fam.guardian.phone)
    assert refused.status_code == 400 and NO_CHILD in refused.get_data(as_text=True)
    assert _told_guardian(fam, fam.child_b) == 1  # nothing new
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianLink)) == 2
    assert StudentStatus.GRADUATED == db.session.get(type(fam.child_b), fam.child_b.id).status


def test_a_roster_import_that_withdraws_the_last_child_ends_the_guardians_login(fam, act, app):
    from starrating.services import roster

    guardians.unlink(fam.admin, fam.class_b.id, fam.guardian.id, fam.child_b.id)
    db.session.commit()
    guardian_page = act(fam.guardian_user)
    assert guardian_page.get("/guardian/").status_code == 200
    student = fam.child_a
    rows = [["学号", "姓名", "性别", "班级", "状态"],
            [student.student_no, student.name, "男" if student.gender.value == "male" else "女",
             fam.class_a.name, "退学"]]
    roster.import_roster(fam.admin, "\n".join(",".join(r) for r in rows).encode(), "r.csv")
    db.session.commit()
    assert _sessions(fam.guardian_user) == 0
    assert guardian_page.get("/guardian/").status_code == 302
    refused = _login(app, fam.guardian.phone)
    assert refused.status_code == 400 and NO_CHILD in refused.get_data(as_text=True)

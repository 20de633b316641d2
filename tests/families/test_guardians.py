"""Guardians: created by the class teacher or the roster, activated once with a code, log in
by phone or username; see each linked child's pages only, stars only after publication."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import (
    AuditLog,
    FamilySettings,
    Guardian,
    GuardianLink,
    GuardianOpinion,
    Role,
    User,
)
from starrating.services import guardians
from starrating.services.reports.pdf import card_data
from tests.families.conftest import make_guardian
from tests.workflow.helpers import publish


def _add(actor, school_class, student, name="王母", relation="母亲", phone="13900000002"):
    return guardians.add_guardian(actor, school_class.id, guardians.GuardianInput(
        student.id, name, relation, phone))


def test_class_teacher_adds_a_guardian_and_a_sibling_shares_it(school):
    first = _add(school.teacher, school.class_a, school.students[0])
    again = _add(school.admin, school.class_b, school.other_students[0])  # same phone
    db.session.commit()
    assert first.id == again.id
    assert first.user.role == Role.GUARDIAN and first.user.username == "13900000002"
    assert not first.user.active  # until activated
    links = db.session.scalars(sa.select(GuardianLink.student_id).where(
        GuardianLink.guardian_id == first.id)).all()
    assert sorted(links) == sorted([school.students[0].id, school.other_students[0].id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.object_type.in_(["guardian", "guardian_link"]))) == 3


def test_only_the_class_teacher_or_admin_adds_guardians(school):
    with pytest.raises(PermissionDenied):
        _add(school.other_teacher, school.class_a, school.students[0])
    with pytest.raises(PermissionDenied):
        _add(school.student_user, school.class_a, school.students[0])
    with pytest.raises(ValidationFailed) as e:  # a student of another class
        _add(school.teacher, school.class_a, school.other_students[0])
    assert "student_id" in e.value.errors
    with pytest.raises(ValidationFailed) as e:
        _add(school.teacher, school.class_a, school.students[0], phone="12345")
    assert "phone" in e.value.errors


def _activate(client, code, password="Famili3s2026", confirm=None):
    from tests.conftest import csrf_from

    html = client.get("/guardian/activate").get_data(as_text=True)
    return client.post("/guardian/activate", data={
        "csrf_token": csrf_from(html), "code": code, "new_password": password,
        "confirm": confirm or password})


def _login(client, username, password):
    from tests.conftest import csrf_from

    html = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"csrf_token": csrf_from(html), "username": username,
                                       "password": password})


def test_invitation_activates_once_then_phone_and_username_log_in(school, app):
    guardian = _add(school.teacher, school.class_a, school.students[0])
    db.session.commit()
    code = guardians.invite(school.teacher, school.class_a.id, guardian.id)
    db.session.commit()
    client = app.test_client()
    assert _login(client, "13900000002", "Famili3s2026").status_code == 400  # inactive
    answer = _activate(client, code.lower())  # any case
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    db.session.expire_all()
    assert db.session.get(Guardian, guardian.id).activated_at is not None
    again = _activate(app.test_client(), code)
    assert again.status_code == 400 and "邀请码错误" in again.get_data(as_text=True)
    answer = _login(app.test_client(), "13900000002", "Famili3s2026")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/")
    page = app.test_client()
    _login(page, "13900000002", "Famili3s2026")
    assert school.students[0].name in page.get("/guardian/").get_data(as_text=True)
    # a guardian whose username is not the phone still logs in by phone
    user = db.session.get(User, guardian.user_id)
    user.username = "wangmu"
    db.session.commit()
    assert _login(app.test_client(), "wangmu", "Famili3s2026").status_code == 302
    assert _login(app.test_client(), "13900000002", "Famili3s2026").status_code == 302


def test_a_new_code_replaces_the_old_and_codes_expire(school, app):
    guardian = _add(school.teacher, school.class_a, school.students[0])
    old = guardians.invite(school.teacher, school.class_a.id, guardian.id)
    new = guardians.invite(school.teacher, school.class_a.id, guardian.id)
    db.session.commit()
    assert _activate(app.test_client(), old).status_code == 400
    with time_machine.travel(guardians.utcnow() + timedelta(days=31), tick=False):
        assert _activate(app.test_client(), new).status_code == 400
    assert _activate(app.test_client(), new, confirm="other1234x").status_code == 400
    assert _activate(app.test_client(), new, password="short").status_code == 400
    assert _activate(app.test_client(), new).status_code == 302


def test_invitation_slips_for_a_class(school, act):
    _add(school.teacher, school.class_a, school.students[0])
    _add(school.teacher, school.class_a, school.students[1], name="李父", phone="13900000003")
    db.session.commit()
    _, slips = guardians.invitation_slips(school.teacher, school.class_a.id)
    assert len(slips) == 2 and len({s.code for s in slips}) == 2
    db.session.rollback()
    teacher = act(school.teacher)
    answer = teacher.post(f"/families/class/{school.class_a.id}/slips")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    assert act(school.other_teacher).post(
        f"/families/class/{school.class_a.id}/slips").status_code == 403


def test_roster_columns_create_and_link_guardians(school, make):
    from starrating.services import roster

    rows = [["学号", "姓名", "性别", "班级", "家长姓名", "与学生关系", "家长手机"],
            ["2099000001", "甲", "男", school.class_a.name, "甲父", "父亲", "13700000001"],
            ["2099000002", "乙", "女", school.class_a.name, "甲父", "父亲", "13700000001"],
            ["2099000003", "丙", "女", school.class_a.name, "", "", ""]]
    data = "\n".join(",".join(r) for r in rows).encode("utf-8")
    result = roster.import_roster(school.admin, data, "roster.csv")
    db.session.commit()
    assert result.created == 3
    guardian = db.session.scalar(sa.select(Guardian).where(Guardian.phone == "13700000001"))
    assert guardian is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianLink).where(
        GuardianLink.guardian_id == guardian.id)) == 2
    bad = [rows[0], ["2099000004", "丁", "男", school.class_a.name, "丁母", "母亲", "123"]]
    checked = roster.check_roster(school.admin, bad)
    assert [e.column for e in checked.errors] == ["家长手机"]


def test_guardian_home_shows_both_children_and_no_stars_before_publication(fam, act):
    guardian = act(fam.guardian_user)
    html = guardian.get("/guardian/").get_data(as_text=True)
    assert fam.child_a.name in html and fam.child_b.name in html
    assert fam.stranger.name not in html
    assert "★" not in html.split("<main")[1]
    child = guardian.get(f"/guardian/child/{fam.child_a.id}").get_data(as_text=True)
    assert "overall-card" not in child and "星级将显示在这里" in child
    assert guardian.get(f"/guardian/child/{fam.child_a.id}/card").status_code == 403


def test_after_publication_the_guardian_sees_stars_titles_explanation(fam, act, make):
    make.entry(fam.term, fam.child_a, "moral.service", "5", author=fam.teacher)
    db.session.commit()
    publish(fam)
    guardian = act(fam.guardian_user)
    child = guardian.get(f"/guardian/child/{fam.child_a.id}").get_data(as_text=True)
    assert "overall-card" in child and "★" in child
    assert 'class="explain"' in child
    home = guardian.get("/guardian/").get_data(as_text=True)
    assert home.count("big-stars") == 1  # class B is not published
    card = guardian.get(f"/guardian/child/{fam.child_a.id}/card")
    assert card.status_code == 200 and card.data.startswith(b"%PDF")
    assert guardian.get(f"/guardian/child/{fam.child_b.id}/card").status_code == 403


def test_deduction_notes_follow_the_school_setting(fam, act, make):
    make.entry(fam.term, fam.child_a, "moral.discipline", "-2", author=fam.teacher,
               note="上课玩手机")
    make.entry(fam.term, fam.child_a, "moral.service", "2", author=fam.teacher, note="扫雪")
    db.session.commit()
    guardian = act(fam.guardian_user)
    assert "上课玩手机" in guardian.get(f"/guardian/child/{fam.child_a.id}").get_data(
        as_text=True)
    db.session.add(FamilySettings(school_id=fam.school.id, show_deduction_notes=False,
                                  show_evidence=False, thresholds=[]))
    db.session.commit()
    html = guardian.get(f"/guardian/child/{fam.child_a.id}").get_data(as_text=True)
    assert "上课玩手机" not in html and "扫雪" in html


def test_the_guardians_opinion_is_saved_and_printed_on_the_card(fam, act):
    guardian = act(fam.guardian_user)
    answer = guardian.post(f"/guardian/child/{fam.child_a.id}/opinion",
                           data={"text": "孩子在家表现很好。"})
    assert answer.status_code == 302
    row = db.session.scalar(sa.select(GuardianOpinion))
    assert row.text == "孩子在家表现很好。" and row.student_id == fam.child_a.id
    cards = card_data(fam.term, student_ids=[fam.child_a.id])
    assert cards[0].guardian_opinion == "孩子在家表现很好。"
    assert guardian.post(f"/guardian/child/{fam.stranger.id}/opinion",
                         data={"text": "x"}).status_code == 404
    assert guardian.post(f"/guardian/child/{fam.child_a.id}/opinion",
                         data={"text": "长" * 1001}).status_code == 400


def test_service_refuses_a_student_not_linked(fam):
    with pytest.raises(NotFound):
        guardians.child_page(fam.guardian_user, fam.stranger.id, fam.term, "zh")
    with pytest.raises(NotFound):
        guardians.child_page(fam.teacher, fam.child_a.id, fam.term, "zh")
    other, other_user = make_guardian(fam, [fam.stranger], name="陌生人", phone="13600000009")
    with pytest.raises(NotFound):
        guardians.child_page(other_user, fam.child_a.id, fam.term, "zh")


def test_guessing_codes_is_throttled_per_address(school, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_USER"]
    client = app.test_client()
    answers = [_activate(client, f"WRONG{n:03d}").status_code for n in range(limit + 1)]
    assert answers[-1] == 429 and set(answers[:-1]) == {400}

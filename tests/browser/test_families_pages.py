"""Issue 16 (families): the guardian's pages, the inbox and the families pages of teachers
and the 学生处 in headless Chromium, zh and en, desktop and 375 px; nothing wider than the
phone; screenshots in test-artifacts/screens (and /tmp/shots-families)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from starrating.extensions import db
from starrating.models import FamilySettings
from starrating.services import entries
from starrating.services.entry_input import EntryInput
from tests.families.conftest import make_guardian
from tests.workflow.helpers import publish

SHOTS = Path("/tmp/shots-families")


@pytest.fixture
def families(school, make):
    child_a, child_b = school.students[0], school.other_students[0]
    _, user = make_guardian(school, [child_a, child_b], phone="13800000001")
    make_guardian(school, [school.students[1]], name="钱母", phone="13800000002",
                  relation="母亲", active=False)
    db.session.add(FamilySettings(school_id=school.school.id, show_deduction_notes=True,
                                  show_evidence=False,
                                  thresholds=[{"kind": "deductions", "points": "-3",
                                               "sanction": "sanction.warning"}]))
    make.entry(school.term, child_a, "moral.service", "3", author=school.teacher,
               item_name="志愿服务", occurred_on=date(2026, 10, 3))
    db.session.commit()
    for day, points in ((8, "-2"), (9, "-2")):
        entries.record_entries(school.teacher, school.term, [child_a.id], EntryInput(
            indicator="moral.discipline", points=points, occurred_on=date(2026, 10, day),
            note="上课使用手机"), today=date(2026, 11, 1))
    db.session.commit()
    publish(school)
    school.guardian_user, school.child_a, school.child_b = user, child_a, child_b
    return school


def _wide(p) -> int:
    return p.evaluate("document.documentElement.scrollWidth")


def _look(p, name, width):
    path = p.shot(name)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    assert _wide(p) <= width + 1, f"{name} is wider than {width}px"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_guardian_pages_and_inbox(families, new_page, size):
    width = 375 if size == "phone" else 1280
    p = new_page(width=width, height=780 if size == "phone" else 900, mobile=size == "phone")
    f = families
    p.login("13800000001")
    for lang in ("zh", "en"):
        if lang == "en":
            p.set_language("en")
        p.go("/guardian/")
        assert f.child_a.name in p.inner_text("main") and f.child_b.name in p.inner_text("main")
        assert p.locator(".inbox-badge").count() == 1
        _look(p, f"families-guardian-home-{lang}-{size}", width)
        p.go(f"/guardian/child/{f.child_a.id}")
        assert p.locator(".overall-card").count() == 1
        assert "上课使用手机" in p.inner_text("main")
        _look(p, f"families-guardian-child-{lang}-{size}", width)
        p.go(f"/guardian/child/{f.child_b.id}")
        assert p.locator(".overall-card").count() == 0  # class B is not published
        _look(p, f"families-guardian-child-unpublished-{lang}-{size}", width)
        p.go("/inbox/")
        assert p.locator(".inbox-item").count() >= 3
        _look(p, f"families-inbox-{lang}-{size}", width)
        p.go("/inbox/settings")
        _look(p, f"families-inbox-settings-{lang}-{size}", width)
    p.go("/inbox/")
    p.click("text=Mark all as read")
    p.wait_for_load_state()
    assert p.locator(".inbox-badge").count() == 0
    assert p.locator(".inbox-item.unread").count() == 0
    assert not p.console_errors, p.console_errors


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_staff_families_pages(families, new_page, size):
    width = 375 if size == "phone" else 1280
    f = families
    teacher = new_page(width=width, height=780, mobile=size == "phone")
    teacher.login(f.teacher.username)
    admin = new_page(width=width, height=780, mobile=size == "phone")
    admin.login(f.admin.username)
    for lang in ("zh", "en"):
        if lang == "en":
            teacher.set_language("en")
            admin.set_language("en")
        teacher.go(f"/families/class/{f.class_a.id}/guardians")
        _look(teacher, f"families-class-guardians-{lang}-{size}", width)
        teacher.go(f"/families/class/{f.class_a.id}/channel")
        _look(teacher, f"families-channel-{lang}-{size}", width)
        teacher.go("/inbox/")
        _look(teacher, f"families-teacher-inbox-{lang}-{size}", width)
        admin.go("/families/alerts")
        assert admin.locator(".alert-row").count() == 1
        _look(admin, f"families-alerts-{lang}-{size}", width)
        admin.go("/families/settings")
        _look(admin, f"families-settings-{lang}-{size}", width)
    teacher.go(f"/families/class/{f.class_a.id}/guardians")
    teacher.click("text=Show a new code")
    teacher.wait_for_load_state()
    assert len(teacher.inner_text("#invitation-code").strip()) == 8
    _look(teacher, f"families-invitation-en-{size}", width)
    assert not teacher.console_errors and not admin.console_errors


def test_activation_page_on_a_phone(families, new_page):
    p = new_page(width=375, height=780, mobile=True)
    p.go("/guardian/activate")
    _look(p, "families-activate-zh-phone", 375)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_monthly_preview_and_the_guardians_account_actions(families, new_page, size):
    """The class teacher's preview of October's summary, with the line they add from the page;
    then a guardian deactivated from the class's guardians page."""
    width = 375 if size == "phone" else 1280
    f = families
    settings = db.session.get(FamilySettings, f.school.id)
    settings.monthly_day = 1
    db.session.commit()
    teacher = new_page(width=width, height=900, mobile=size == "phone")
    teacher.login(f.teacher.username)
    teacher.go("/teacher/")
    teacher.click(f"a[href='/families/class/{f.class_a.id}/monthly']")
    teacher.wait_for_load_state()
    assert teacher.locator(".monthly-item").count() == len(f.students)
    teacher.go(f"/families/class/{f.class_a.id}/monthly?month=2026-10")
    teacher.fill("#line", "本月班级劳动周表现很好")
    teacher.click("input[type=submit]")
    teacher.wait_for_load_state()
    text = teacher.inner_text(f"#m-{f.child_a.id}")
    assert "班主任寄语：本月班级劳动周表现很好" in text and "3 条记录" in text
    _look(teacher, f"families-monthly-zh-{size}", width)
    teacher.set_language("en")
    teacher.go(f"/families/class/{f.class_a.id}/monthly?month=2026-10")
    assert "From the class teacher: 本月班级劳动周表现很好" in teacher.inner_text(
        f"#m-{f.child_a.id}")
    _look(teacher, f"families-monthly-en-{size}", width)
    teacher.go(f"/families/class/{f.class_a.id}/guardians")
    teacher.click(f"tr#g-{_guardian_id(f)}-{f.child_a.id} >> text=Deactivate")
    teacher.wait_for_load_state()
    assert "Deactivated" in teacher.inner_text(f"tr#g-{_guardian_id(f)}-{f.child_a.id}")
    _look(teacher, f"families-guardians-deactivated-en-{size}", width)
    teacher.set_language("zh_Hans_CN")
    teacher.go(f"/families/class/{f.class_a.id}/guardians")
    assert "已停用" in teacher.inner_text(f"tr#g-{_guardian_id(f)}-{f.child_a.id}")
    _look(teacher, f"families-guardians-deactivated-zh-{size}", width)
    assert not teacher.console_errors


def _guardian_id(f) -> int:
    import sqlalchemy as sa

    from starrating.models import Guardian

    return db.session.scalar(sa.select(Guardian.id).where(
        Guardian.user_id == f.guardian_user.id))

"""The club member import in headless Chromium: upload → preview → confirm, desktop and phone."""

from __future__ import annotations

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import ClubMembership
from starrating.services import setup


def test_club_import_preview_then_confirm(page, phone, school, tmp_path):
    club = setup.save_club(school.admin, {"name": "机器人社"})
    s = school.students
    setup.add_membership(school.admin, club.id, school.term.id, s[0].student_no, "成员")
    db.session.commit()
    sheet = tmp_path / "社团.csv"
    sheet.write_text(f"学号,社团,职务\n{s[0].student_no},机器人社,社长\n"
                     f"{s[1].student_no},机器人社,成员\n{s[2].student_no},机器人社,\n",
                     encoding="utf-8")
    for p, size in ((phone, "phone"), (page, "desktop")):
        p.login(school.admin.username)
        p.go(f"/admin/clubs?term={school.term.id}")
        p.set_input_files("input[name='clubs-file']", str(sheet))
        p.click("form[action*='/admin/clubs/import'] input[type=submit]")
        p.wait_for_load_state()
        assert "职务：成员 → 社长" in p.inner_text(".preview-table")
        p.shot(f"admin-club-import-preview-zh-{size}")
        assert not p.console_errors, p.console_errors
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert db.session.scalar(sa.select(sa.func.count(ClubMembership.id))) == 1  # nothing yet
    page.click("form[action*='/admin/clubs/import/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/clubs?term={school.term.id}")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(ClubMembership.id))) == 3
    page.shot("admin-club-import-done-zh-desktop")

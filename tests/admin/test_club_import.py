"""Club member import: upload → preview (what will change, nothing written, file staged) →
confirm (re-read, all or nothing, the same file writes once)."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import ClubMembership, ImportBatch, Role
from starrating.services import setup


@pytest.fixture
def club(school):
    club = setup.save_club(school.admin, {"name": "机器人社"})
    db.session.commit()
    return club


def upload(admin, school, data: bytes, name="c.csv"):
    return admin.post(f"/admin/clubs/import?term={school.term.id}",
                      {"clubs-file": (BytesIO(data), name)}, content_type="multipart/form-data")


def confirm_url(html: str) -> str | None:
    match = re.search(r'action="(/admin/clubs/import/[0-9a-f]{32}\?term=\d+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def memberships() -> list[tuple[int, str]]:
    db.session.expire_all()
    return sorted(db.session.execute(sa.select(ClubMembership.student_id,
                                               ClubMembership.role)).all())


def test_preview_shows_what_changes_writes_nothing_then_confirm_writes_once(act, school, club):
    s = school.students
    setup.add_membership(school.admin, club.id, school.term.id, s[0].student_no, "成员")
    setup.add_membership(school.admin, club.id, school.term.id, s[1].student_no, "成员")
    db.session.commit()
    data = (f"学号,社团,职务\n{s[0].student_no},机器人社,社长\n{s[1].student_no},机器人社,成员\n"
            f"{s[2].student_no},机器人社,\n").encode()
    admin = act(school.admin)
    before = memberships()
    preview = upload(admin, school, data)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    stats = re.findall(r'<span class="num">(\d+)</span><span>([^<]+)</span>', html)
    assert stats == [("1", "新成员"), ("1", "职务变更"), ("1", "无变动")]
    assert "职务：成员 → 社长" in html and s[2].name in html
    assert memberships() == before  # the preview writes nothing
    url = confirm_url(html)
    assert url is not None

    done = admin.post(url)
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/admin/clubs?term={school.term.id}")
    assert memberships() == sorted([(s[0].id, "社长"), (s[1].id, "成员"), (s[2].id, "")])
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 1
    # The kept file is gone; the same file again is shown as imported, with no confirm.
    assert admin.post(url).status_code == 404
    again = upload(admin, school, data).get_data(as_text=True)
    assert "该文件已导入过；再次导入不会有任何改变。" in again and confirm_url(again) is None
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 1


def test_confirm_rechecks_and_writes_nothing_when_the_school_changed(act, school, club):
    data = f"学号,社团\n{school.students[0].student_no},机器人社\n".encode()
    admin = act(school.admin)
    url = confirm_url(upload(admin, school, data).get_data(as_text=True))
    club_id = club.id
    admin.post(f"/admin/clubs/{club_id}/delete")  # the club is gone before the confirm
    response = admin.post(url)
    assert response.status_code == 400
    assert '<td class="num">2</td><td>社团</td>' in response.get_data(as_text=True)
    assert memberships() == []
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_an_unreadable_upload_is_refused_beside_the_field(act, school, club):
    response = upload(act(school.admin), school, b"PK\x03\x04broken", "c.xlsx")
    assert response.status_code == 400
    assert "这不是有效的 .xlsx 文件" in response.get_data(as_text=True)
    assert memberships() == []


def test_another_admin_cannot_confirm_my_upload(act, make, school, club):
    data = f"学号,社团\n{school.students[0].student_no},机器人社\n".encode()
    url = confirm_url(upload(act(school.admin), school, data).get_data(as_text=True))
    other = make.user(Role.ADMIN, school.school.id)
    db.session.commit()
    assert act(other).post(url).status_code == 404
    assert memberships() == []

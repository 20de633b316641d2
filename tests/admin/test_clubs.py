"""Club memberships feed the club dimension by themselves (no entry typed by anyone)."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from starrating.errors import ValidationFailed
from starrating.extensions import db
from starrating.models import Club, ClubMembership, Entry
from starrating.services import club_import, setup
from starrating.services.scoring import CLUB_MIN_DAYS, evaluate_term


@pytest.fixture
def club(school):
    club = setup.save_club(school.admin, {"name": "机器人社"})
    db.session.commit()
    return club


def club_stars(term, student):
    return evaluate_term(term)[student.id].dimensions["club"]


def test_no_club_caps_the_club_dimension_at_one_star(school, club):
    student = school.students[0]
    assert club_stars(school.term, student).stars == 1  # 60 points would be 2, capped at 1
    setup.add_membership(school.admin, club.id, school.term.id, student.student_no, "成员")
    result = club_stars(school.term, student)
    assert result.stars == 2 and result.score == 65  # 60 base + 5 for one club
    assert not db.session.scalar(sa.select(Entry.id))  # nobody typed an entry


def test_leaving_soon_after_joining_does_not_count(school, club):
    student = school.students[0]
    m = setup.add_membership(school.admin, club.id, school.term.id, student.student_no)
    setup.end_membership(school.admin, m.id, m.joined_on + timedelta(days=CLUB_MIN_DAYS - 1))
    assert club_stars(school.term, student).stars == 1
    setup.end_membership(school.admin, m.id, m.joined_on + timedelta(days=CLUB_MIN_DAYS))
    assert club_stars(school.term, student).stars == 2  # left mid-term, counted for the term
    with pytest.raises(ValidationFailed):
        setup.end_membership(school.admin, m.id, m.joined_on - timedelta(days=1))


def test_membership_pages(act, school, club):
    admin = act(school.admin)
    student = school.students[0]
    response = admin.post(f"/admin/clubs/{club.id}?term={school.term.id}", {
        "member-student_no": student.student_no, "member-role": "社长", "member-submit": "1"})
    assert response.status_code == 302
    membership = db.session.scalar(sa.select(ClubMembership))
    assert membership.role == "社长" and membership.joined_on == school.term.start_date
    html = admin.post(f"/admin/clubs/{club.id}?term={school.term.id}", {
        "member-student_no": "nobody", "member-submit": "1"}).get_data(as_text=True)
    assert "没有这个学号的学生" in html
    admin.post(f"/admin/memberships/{membership.id}/leave", {"left_on": "2026-12-01"})
    db.session.expire_all()
    assert str(db.session.get(ClubMembership, membership.id).left_on) == "2026-12-01"
    admin.post(f"/admin/clubs/{club.id}/delete")
    assert db.session.get(Club, club.id) is not None  # has members: kept
    admin.post(f"/admin/memberships/{membership.id}/delete")
    club_id = club.id
    admin.post(f"/admin/clubs/{club_id}/delete")
    db.session.expire_all()
    assert db.session.get(Club, club_id) is None


def test_import_members_from_a_sheet(act, school, club):
    rows = ["学号,社团,职务"] + [f"{s.student_no},机器人社,成员" for s in school.students[:3]]
    data = "\n".join(rows).encode()
    result = club_import.import_memberships(school.admin, school.term.id, data, "clubs.csv")
    assert result.created == 3
    assert club_import.import_memberships(school.admin, school.term.id, data, "clubs.csv").already
    for student in school.students[:3]:
        assert club_stars(school.term, student).stars == 2


def test_club_import_with_bad_rows_writes_nothing(act, school, club):
    data = f"学号,社团\n{school.students[0].student_no},机器人社\nnobody,机器人社\n{school.students[1].student_no},不存在社\n".encode()
    admin = act(school.admin)
    response = admin.post(f"/admin/clubs/import?term={school.term.id}",
                          {"clubs-file": (BytesIO(data), "c.csv")},
                          content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<td class="num">3</td><td>学号</td>' in html
    assert '<td class="num">4</td><td>社团</td>' in html
    assert db.session.scalar(sa.select(sa.func.count(ClubMembership.id))) == 0

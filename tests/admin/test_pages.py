"""Every admin page renders for an admin, in Chinese and English; others get 403."""

from __future__ import annotations

import re

import pytest

from starrating.extensions import db
from starrating.models import Club, ClubMembership

PAGES = ["/admin/terms", "/admin/terms/new", "/admin/departments", "/admin/classes",
         "/admin/students", "/admin/teachers", "/admin/clubs", "/admin/students/import"]


def _with_club(school):
    club = Club(school_id=school.school.id, name="机器人社")
    db.session.add(club)
    db.session.flush()
    db.session.add(ClubMembership(club_id=club.id, student_id=school.students[0].id,
                                  term_id=school.term.id, role="社长",
                                  joined_on=school.term.start_date))
    db.session.commit()
    return club


def _expected(school, club):
    """url → (heading, {lang: a label of the page in that language}, a datum it shows)."""
    s = school.students[0]
    term, cls = school.term.name, school.class_a.name
    return {
        "/admin/terms": (
            {"zh": "学期", "en": "Terms"},
            {"zh": "公示期（天）", "en": "Notice period (days)"}, term),
        "/admin/terms/new": (
            {"zh": "新建学期", "en": "New term"},
            {"zh": "计入社团成员身份的指标", "en": "Indicator counting club memberships"}, None),
        "/admin/departments": (
            {"zh": "系部与专业", "en": "Departments and majors"},
            {"zh": "添加系部", "en": "Add a department"}, school.major.name),
        "/admin/classes": (
            {"zh": "班级", "en": "Classes"},
            {"zh": "保存班主任安排", "en": "Save class teachers"}, school.class_b.name),
        "/admin/students": (
            {"zh": "学生", "en": "Students"},
            {"zh": "学号", "en": "Student number"}, s.name),
        "/admin/teachers": (
            {"zh": "教师", "en": "Teachers"},
            {"zh": "新建教师账号", "en": "New teacher account"}, school.teacher.display_name),
        "/admin/clubs": (
            {"zh": "社团", "en": "Clubs"},
            {"zh": "从表格导入成员", "en": "Import members from a sheet"}, club.name),
        "/admin/students/import": (
            {"zh": "导入花名册", "en": "Import a roster"},
            {"zh": "文件（.xlsx 或 .csv）", "en": "File (.xlsx or .csv)"}, None),
        f"/admin/terms/{school.term.id}": (
            {"zh": term, "en": term},
            {"zh": "开始日期", "en": "First day"}, None),
        f"/admin/classes/{school.class_a.id}": (
            {"zh": cls, "en": cls},
            {"zh": "删除班级", "en": "Remove the class"}, school.major.name),
        f"/admin/students/{s.id}": (
            {"zh": f'{s.name} <span class="muted">{s.student_no}</span>',
             "en": f'{s.name} <span class="muted">{s.student_no}</span>'},
            {"zh": "性别", "en": "Gender"}, cls),
        f"/admin/clubs/{club.id}": (
            {"zh": club.name, "en": club.name},
            {"zh": "社团职务", "en": "Role in the club"}, s.name),
    }


def _heading(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "no <h1>"
    return match.group(1).strip()


def test_admin_pages_render_in_both_languages(act, school):
    club = _with_club(school)
    expected = _expected(school, club)
    assert set(PAGES) <= set(expected)
    admin = act(school.admin)
    for lang, html_lang, title in (("zh", "zh-CN", "学生综合素质星级评价"),
                                   ("en", "en", "Student Star Rating")):
        if lang == "en":
            assert admin.post("/lang/en", {"next": "/admin/"}).status_code == 302
        other = "en" if lang == "zh" else "zh"
        for url, (heading, label, datum) in expected.items():
            response = admin.get(url)
            assert response.status_code == 200, (lang, url)
            html = response.get_data(as_text=True)
            assert f'<html lang="{html_lang}">' in html, (lang, url)
            assert re.search(rf"<title>[^<]* · {title}</title>", html), (lang, url)
            assert _heading(html) == heading[lang], (lang, url)
            assert label[lang] in html, (lang, url, label[lang])
            assert label[other] not in html, (lang, url, label[other])
            if datum is not None:
                assert datum in html, (lang, url, datum)


@pytest.mark.parametrize("who", ["teacher", "student_user"])
def test_admin_pages_refuse_other_roles(act, school, who):
    actor = act(getattr(school, who))
    for url in PAGES:
        assert actor.get(url).status_code == 403, url

"""Issue 13, found 9 (wording): small things a new user met, each with its test."""

from __future__ import annotations

import re

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import ExportJob
from tests.conftest import csrf_from


def test_found_9_favicon_is_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/img/star.svg")
    assert client.get("/static/img/star.svg").status_code == 200


def test_found_9_switching_language_after_a_form_post_stays_on_the_page(act, school):
    admin = act(school.admin)
    refused = admin.post("/admin/terms/new", {"name": "", "start_date": "", "end_date": ""})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    nexts = re.findall(r'name="next" value="([^"]*)"', html)
    assert nexts == ["/admin/terms/new", "/admin/terms/new"]
    switched = admin.client.post("/lang/en", data={"next": nexts[1],
                                                   "csrf_token": csrf_from(html)})
    assert switched.status_code == 302 and switched.headers["Location"] == "/admin/terms/new"


def test_found_9_english_admin_home_has_no_untranslated_domain_words(act, school):
    admin = act(school.admin)
    html = admin.get("/admin/").get_data(as_text=True)
    admin.client.post("/lang/en", data={"next": "/admin/", "csrf_token": csrf_from(html)})
    page = admin.get("/admin/").get_data(as_text=True)
    assert "The departments and majors the classes belong to." in page
    assert "Upload or edit the rules (细则)" in page
    assert "系部 and 专业" not in page and "the 细则;" not in page


def test_found_9_the_reports_scope_lists_only_the_terms_classes(act, school, make):
    outside = make.school_class(school.major, school.school, "23机电9班")  # no teacher, no flow
    db.session.commit()
    html = act(school.admin).get(f"/admin/reports?term={school.term.id}").get_data(as_text=True)
    assert school.class_a.name in html and school.class_b.name in html
    assert outside.name not in html


def test_found_9_an_export_with_no_students_is_refused_with_words(act, school, make):
    empty = make.school_class(school.major, school.school, "26空班")
    make.assign(school.term, empty, school.teacher)
    db.session.commit()
    admin = act(school.admin)
    html = admin.get(f"/admin/reports?term={school.term.id}").get_data(as_text=True)
    response = admin.post("/admin/reports/jobs", {
        "csrf_token": csrf_from(html), "kind": "xlsx", "term_id": str(school.term.id),
        "scope": str(empty.id), "lang": "zh", "students": ""}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"26空班 在 {school.term.name} 没有学生，没有可导出的内容。" in page
    assert db.session.scalar(sa.select(sa.func.count(ExportJob.id))) == 0


def test_found_9_a_card_for_an_unknown_student_number_says_so(act, school):
    response = act(school.admin).get(f"/admin/reports/card?term={school.term.id}"
                                     "&student_no=99999999")
    assert response.status_code == 404
    assert "本校没有学号为 99999999 的学生。" in response.get_data(as_text=True)

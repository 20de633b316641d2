"""Issue 13, found 9 (wording): small things a new user met, each with its test."""

from __future__ import annotations

import re

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

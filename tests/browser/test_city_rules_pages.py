"""The city's recommended rules in headless Chromium (issue 14, rules per school): the city's
list, a recommendation's page, a refused upload and the structured editor; a school admin's
rules page with the city's recommendations, the adopt page and the copied set's page telling
where it came from and that the city has published a newer version. zh and en, desktop and
375 px; screenshots also under /tmp/shots-cityrules/."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import RuleSet
from starrating.services import city_rules
from tests.city.helpers import MORAL_NEW, MORAL_OLD, recommendation, two_schools
from tests.factories import PASSWORD

SHOTS = Path("/tmp/shots-cityrules")
BAD = 'name = "x"\n[[dimensions]]\nkey = "Moral"\nname = "m"\nbase = 80\nmax = 100\n' \
      'thresholds = { 5 = 90, 4 = 95 }\n[overall]\nthresholds = { 1 = 0 }\n'


def _login(p, username, at):
    p.go(at)
    p.fill("input[name=username]", username)
    p.fill("input[name=password]", PASSWORD)
    p.click("input[type=submit], button[type=submit]")
    p.wait_for_load_state()
    assert "/login" not in p.url, username


def _shot(p, name, full_page=True):
    path = p.shot(f"cityrules-{name}", full_page=full_page)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def _fits(p):
    assert p.evaluate("document.documentElement.scrollWidth") <= 375


def test_city_rules_pages(page, phone, make):
    c = two_schools(make)
    rec = recommendation(c.city, "2026—2027学年 市推荐星级评价细则")
    recommendation(c.city, "市推荐细则（草案）", publish=False)
    city_rules.adopt(c.second.admin, rec.city_rule_set_id, None, "二校细则")
    db.session.commit()
    set_url = f"/city/rules/{rec.city_rule_set_id}"
    for p, size in ((page, "desktop"), (phone, "phone")):
        _login(p, c.city.username, "/city/login")
        for lang in ("zh_Hans_CN", "en"):
            p.set_language(lang)
            p.go("/city/rules")
            assert p.locator("nav a[href='/city/rules']").count() >= 1
            _shot(p, f"city-list-{lang}-{size}")
            if size == "phone":
                _fits(p)
            p.go(set_url)
            _shot(p, f"city-recommendation-{lang}-{size}")
            if size == "phone":
                _fits(p)
            p.go("/city/rules")
            p.fill("#name", "坏细则")
            p.fill("#source", BAD)
            p.click("#submit")
            p.wait_for_load_state()
            assert p.locator("#rule-errors li").count() >= 2
            assert ("第 3 行" if lang != "en" else "line 3") in p.inner_text("#rule-errors")
            p.locator("#rule-errors").scroll_into_view_if_needed()
            _shot(p, f"city-refused-{lang}-{size}", full_page=False)
            p.go(f"{set_url}/editor")
            assert p.input_value("#dimensions-0-key") == "moral"
            _shot(p, f"city-editor-{lang}-{size}", full_page=False)
            if size == "phone":
                _fits(p)
            assert not p.console_errors, p.console_errors
        p.set_language("zh_Hans_CN")


def test_school_adopts_a_recommendation_in_the_browser(page, phone, make):
    c = two_schools(make)
    rec = recommendation(c.city, "2026—2027学年 市推荐星级评价细则")
    for p, size, school in ((page, "desktop", c.first), (phone, "phone", c.second)):
        _login(p, school.admin.username, f"/s/{school.school.code}/login")
        p.go("/admin/rules")
        assert "2026—2027学年 市推荐星级评价细则" in p.inner_text("#city-offers")
        _shot(p, f"school-rules-zh-{size}")
        p.click(f"#city-offers a[href='/admin/rules/city/{rec.city_rule_set_id}']")
        p.wait_for_load_state()
        _shot(p, f"school-adopt-zh-{size}")
        if size == "phone":
            _fits(p)
        p.fill("#name", f"本校细则{size}")
        p.click("#submit")
        p.wait_for_load_state()
        assert "复制自市级推荐细则" in p.inner_text("#city-origin")
        _shot(p, f"school-copied-zh-{size}")
        if size == "phone":
            _fits(p)
        assert not p.console_errors, p.console_errors
    newer = city_rules.add_version(c.city, rec.city_rule_set_id,
                                   rec.source.replace(MORAL_OLD, MORAL_NEW), "降低4星线")
    city_rules.publish(c.city, rec.city_rule_set_id, newer.version)
    db.session.commit()
    for p, size, _school in ((page, "desktop", c.first), (phone, "phone", c.second)):
        copy = db.session.scalar(sa.select(RuleSet).where(RuleSet.name == f"本校细则{size}"))
        for lang in ("zh_Hans_CN", "en"):
            p.set_language(lang)
            p.go(f"/admin/rules/{copy.id}")
            text = p.inner_text("#city-origin")
            assert ("市里此后发布了第 2 版" if lang != "en" else
                    "The city has published version 2 since.") in text
            _shot(p, f"school-newer-{lang}-{size}")
            if size == "phone":
                _fits(p)
            p.go("/admin/rules")
            _shot(p, f"school-rules-{lang}-{size}-after")
            if size == "phone":
                _fits(p)
        p.go(f"/admin/rules/{copy.id}")
        p.click("#city-origin button[type=submit]")
        p.wait_for_load_state()
        assert "v2" in p.inner_text("main")
        _shot(p, f"school-copied-newer-en-{size}")
        if size == "phone":
            _fits(p)
        assert not p.console_errors, p.console_errors
        p.set_language("zh_Hans_CN")

"""The city's recommended rules as pages: the city writes them (TOML or forms) with the same
error display as a school's rules page; a school sees the published ones, adopts one, and its
rule set's page says where it came from and whether the city has published a newer version;
the audit log tells it in sentences."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from starrating.demo import default_rules_source
from starrating.extensions import db
from starrating.models import CityRuleSet, CityRuleVersion, RuleSet, RuleSetVersion
from starrating.services import city_rules, history
from tests.city.helpers import MORAL_NEW, MORAL_OLD, recommendation, two_schools

BAD = 'name = "x"\n[[dimensions]]\nkey = "Moral"\nname = "m"\nbase = 80\nmax = 100\n' \
      'thresholds = { 5 = 90, 4 = 95 }\n[overall]\nthresholds = { 1 = 0 }\n'


@pytest.fixture
def city(make):
    return two_schools(make)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_city_creates_a_recommendation_by_upload_and_sees_errors_in_its_language(city, act):
    actor = act(city.city)
    refused = actor.post("/city/rules", {"name": "坏细则", "source": BAD})
    assert refused.status_code == 400
    page = _text(refused.get_data(as_text=True))
    assert "细则有" in page and "（第 3 行）" in page and "dimensions[0].key" in page
    actor.client.set_cookie("lang", "en")
    page = _text(actor.post("/city/rules", {"name": "坏细则", "source": BAD}).get_data(
        as_text=True))
    assert "(line 3)" in page and "nothing was saved" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CityRuleSet)) == 0

    upload = (BytesIO(default_rules_source().encode()), "rules.toml")
    done = actor.post("/city/rules", {"name": "市推荐", "file": upload, "source": ""},
                      content_type="multipart/form-data")
    assert done.status_code == 302
    rule_set = db.session.scalar(sa.select(CityRuleSet))
    assert done.location.endswith(f"/city/rules/{rule_set.id}")
    assert rule_set.published_version is None
    assert "not published" in actor.get("/city/rules").get_data(as_text=True)


def test_the_city_edits_as_forms_and_as_toml_and_publishes_a_chosen_version(city, act):
    rec = recommendation(city.city, publish=False)
    actor = act(city.city)
    editor = actor.get(f"/city/rules/{rec.city_rule_set_id}/editor")
    assert editor.status_code == 200
    html = editor.get_data(as_text=True)
    assert 'value="moral"' in html and f'action="/city/rules/{rec.city_rule_set_id}/editor"' in html
    # a save through the forms: the same parser, a new version
    from starrating.admin.rule_editor_forms import form_data
    from starrating.services.rule_editor import doc_from_source

    data = _flatten(form_data(doc_from_source(rec.source)))
    data["dimensions-0-base"] = "81"
    data["save"] = "1"
    assert actor.post(f"/city/rules/{rec.city_rule_set_id}/editor", data).status_code == 302
    # a refused save shows the error beside its field, nothing stored
    data["dimensions-0-base"] = "500"
    refused = actor.post(f"/city/rules/{rec.city_rule_set_id}/editor", data)
    assert refused.status_code == 400 and "has-error" in refused.get_data(as_text=True)
    versions = db.session.scalars(sa.select(CityRuleVersion).order_by(CityRuleVersion.version))
    assert [v.version for v in versions] == [1, 2]
    # TOML edit → version 3; publish version 2 explicitly
    new_text = rec.source.replace(MORAL_OLD, MORAL_NEW)
    assert actor.post(f"/city/rules/{rec.city_rule_set_id}",
                      {"source": new_text, "comment": "改4星线"}).status_code == 302
    assert actor.post(f"/city/rules/{rec.city_rule_set_id}/publish",
                      {"version": "2"}).status_code == 302
    assert db.session.get(CityRuleSet, rec.city_rule_set_id).published_version == 2
    page = _text(actor.get(f"/city/rules/{rec.city_rule_set_id}").get_data(as_text=True))
    assert "各校可看到第 2 版" in page
    download = actor.get(f"/city/rules/versions/{rec.id}.toml")
    assert download.status_code == 200 and download.get_data(as_text=True) == rec.source
    assert "attachment" in download.headers["Content-Disposition"]


def _flatten(data, prefix=""):
    """WTForms form data (nested dicts and lists) as flat form fields."""
    out = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}-{key}" if prefix else key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.update(_flatten(value, f"{prefix}-{i}"))
    elif data is not None:
        out[prefix] = str(data)
    return out


def test_a_school_adopts_and_its_page_tells_where_it_came_from(city, act):
    rec = recommendation(city.city, "2026市推荐细则")
    admin = act(city.first.admin)
    listing = _text(admin.get("/admin/rules").get_data(as_text=True))
    assert "市级推荐细则" in listing and "2026市推荐细则" in listing and "查看并采用" in listing
    detail = admin.get(f"/admin/rules/city/{rec.city_rule_set_id}").get_data(as_text=True)
    assert 'value="2026市推荐细则"' in detail and "采用" in detail
    done = admin.post(f"/admin/rules/city/{rec.city_rule_set_id}",
                      {"target": "", "name": "我校细则"})
    assert done.status_code == 302
    copy = db.session.scalar(sa.select(RuleSet).where(RuleSet.name == "我校细则"))
    assert done.location.endswith(f"/admin/rules/{copy.id}")
    page = _text(admin.get(f"/admin/rules/{copy.id}").get_data(as_text=True))
    assert "复制自市级推荐细则“2026市推荐细则”第 1 版" in page
    assert "这是市里目前推荐的版本" in page
    # the origin note and the copied version's own comment
    assert page.count("复制自市级推荐细则“2026市推荐细则”第 1 版") == 2

    # the city publishes version 2: the school is told, nothing changes until it copies
    newer = city_rules.add_version(city.city, rec.city_rule_set_id,
                                   rec.source.replace(MORAL_OLD, MORAL_NEW), "新版")
    city_rules.publish(city.city, rec.city_rule_set_id, newer.version)
    db.session.commit()
    page = _text(admin.get(f"/admin/rules/{copy.id}").get_data(as_text=True))
    assert "市里此后发布了第 2 版" in page and "将第 2 版复制为新版本" in page
    assert [v.version for v in db.session.get(RuleSet, copy.id).versions] == [1]
    assert admin.post(f"/admin/rules/city/{rec.city_rule_set_id}",
                      {"target": str(copy.id), "name": ""}).status_code == 302
    latest = db.session.scalar(sa.select(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == copy.id).order_by(RuleSetVersion.version.desc()))
    assert (latest.version, latest.source) == (2, newer.source)
    page = _text(admin.get(f"/admin/rules/{copy.id}").get_data(as_text=True))
    assert "第 2 版" in page and "市里此后发布了" not in page

    admin.client.set_cookie("lang", "en")
    page = _text(admin.get(f"/admin/rules/{copy.id}").get_data(as_text=True))
    assert "Copied from the city's recommendation “2026市推荐细则”, version 2" in page


def test_a_taken_name_is_shown_beside_the_name_field(city, act):
    rec = recommendation(city.city, "市细则")
    admin = act(city.first.admin)
    url = f"/admin/rules/city/{rec.city_rule_set_id}"
    assert admin.post(url, {"target": "", "name": "市细则"}).status_code == 302
    refused = admin.post(url, {"target": "", "name": "市细则"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert re.search(r'<ul class="errors" id="name-errors">\s*<li>已有同名细则。</li>', html)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSet).where(
        RuleSet.name == "市细则")) == 1


def test_the_audit_log_tells_adoption_in_sentences(city, act):
    rec = recommendation(city.city, "市细则")
    city_rules.adopt(city.first.admin, rec.city_rule_set_id, None, "一校细则")
    db.session.commit()
    page = _text(act(city.first.admin).get("/admin/audit").get_data(as_text=True))
    assert "学生处 将市级推荐细则“市细则”第 1 版复制为细则“一校细则”" in page


def test_the_words_for_the_city_rules_actions_exist_in_both_languages(app, city):
    for action in ("publish", "unpublish", "adopt", "create"):
        with app.test_request_context():
            with force_locale("zh_Hans_CN"):
                zh = str(history.ACTIONS[action])
            with force_locale("en"):
                en = str(history.ACTIONS[action])
        assert zh != en and re.search(r"[\u4e00-\u9fff]", zh), action
    for table in ("city_rule_set", "city_rule_version"):
        assert table in history.OBJECTS
        for column in db.metadata.tables[table].columns:
            assert column.name in history.FIELDS or column.name in history.QUIET, column.name
    rec = recommendation(city.city, "市细则")
    city_rules.unpublish(city.city, rec.city_rule_set_id)
    db.session.commit()
    from starrating.models import AuditLog

    rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            told = [t.sentence for t in history.tell(rows)]
        with force_locale("en"):
            told_en = [t.sentence for t in history.tell(rows)]
    assert "市教育局 向各校发布了推荐细则“市细则”第 1 版" in told
    assert "市教育局 撤回了推荐细则“市细则”" in told
    assert "市教育局 published version 1 of the recommended rules “市细则” to the schools" \
        in told_en


def test_every_string_of_the_city_rules_has_chinese():
    """The part file of this area covers every msgid its files use."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from babel.messages.pofile import read_po

    from starrating.i18n import SOURCE_DIR

    root = Path(__file__).resolve().parents[2]
    files = ["starrating/services/city_rules.py", "starrating/city/rules.py",
             "starrating/admin/city_rules.py", "starrating/admin/city_rule_forms.py",
             "templates/city/rules.html", "templates/city/rule_set.html",
             "templates/city/rule_editor.html", "templates/admin/city_rule.html",
             "templates/admin/_city_offers.html", "templates/admin/_city_origin.html"]
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                        str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                        "-o", str(pot), *[str(root / f) for f in files]],
                       check=True, capture_output=True)
        with pot.open("rb") as fh:
            wanted = {m.id for m in read_po(fh) if m.id}
    have = set()
    for po in (SOURCE_DIR / "zh_Hans_CN").glob("*.po"):
        with po.open("rb") as fh:
            have |= {m.id for m in read_po(fh) if m.id and m.string}
    assert len(wanted) > 40
    assert sorted(str(m) for m in wanted - have) == []

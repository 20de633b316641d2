"""The structured rule editor: TOML → forms → TOML keeps the rules' meaning; an invalid edit
shows its errors beside the fields and stores nothing; rows are added and removed without JS."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import RuleSetVersion
from starrating.rules import load_rules
from starrating.services import rule_editor
from tests.security.helpers import table_dump

EXAMPLES = Path(__file__).resolve().parents[1] / "rules" / "examples"
SOURCES = {
    "default": files("starrating.rules").joinpath("default.toml").read_text(encoding="utf-8"),
    "worked": (EXAMPLES / "worked" / "rules.toml").read_text(encoding="utf-8"),
    "quota": (EXAMPLES / "quota" / "rules.toml").read_text(encoding="utf-8"),
}


class _Fields(HTMLParser):
    """What a browser would post for the page's form: inputs and selected options (no buttons)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self.buttons: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") not in ("submit", "button") and a.get("name"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.values.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "button" and a.get("name") == "op":
            self.buttons.append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def fields_of(html: str) -> _Fields:
    parser = _Fields()
    parser.feed(html)
    return parser


def _editor(make, school, source):
    version = make.rules(school.school, source)
    db.session.commit()
    return version, f"/admin/rules/{version.rule_set_id}/editor"


@pytest.mark.parametrize("which", ["default", "worked", "quota"])
def test_toml_to_forms_to_toml_keeps_the_rules(act, make, school, which):
    """Open the editor on a version, save the forms as they are: the new version's rules are
    the same rule objects (names, English names, items, numbers, caps, titles) as the old."""
    # a comment the forms do not keep, so that the saved text differs from version 1
    version, url = _editor(make, school, "# 第 1 版\n" + SOURCES[which])
    admin = act(school.admin)
    page = admin.get(url)
    assert page.status_code == 200
    posted = fields_of(page.get_data(as_text=True)).values
    posted["save"] = "y"
    posted["comment"] = "forms"
    saved = admin.post(url, posted, csrf=False)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    new = db.session.scalars(sa.select(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == version.rule_set_id, RuleSetVersion.version == 2)).one()
    assert new.comment == "forms"
    assert load_rules(new.source) == load_rules(SOURCES[which])


@pytest.mark.parametrize("which", ["default", "worked", "quota"])
def test_document_to_toml_keeps_the_rules(which):
    text = rule_editor.toml_from_doc(rule_editor.doc_from_source(SOURCES[which]))
    assert load_rules(text) == load_rules(SOURCES[which])


def test_invalid_edit_shows_errors_beside_fields_and_stores_nothing(act, make, school):
    _version, url = _editor(make, school, SOURCES["default"])
    admin = act(school.admin)
    posted = fields_of(admin.get(url).get_data(as_text=True)).values
    posted.update({"save": "y", "dimensions-0-weight": "-5",
                   "dimensions-1-indicators-0-key": "Bad key",
                   "dimensions-0-thresholds": "5 = 95, 4 = 99",
                   "caps-0-overall_max": ""})
    before = table_dump()
    refused = admin.post(url, posted, csrf=False)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert table_dump() == before
    assert _errors_of(html, "dimensions-0-weight") == ["-5 不能为负数"]  # the reader's words
    assert "必须以小写字母 a–z 开头" in _errors_of(html, "dimensions-1-indicators-0-key")[0]
    assert "星级越高，分数线必须越高" in _errors_of(html, "dimensions-0-thresholds")[0]
    assert "没有效果" in _errors_of(html, "caps-0")[0]  # a row's own problem, on the row
    # what was typed stays in the fields
    assert 'name="dimensions-0-weight" type="text" value="-5"' in html


def _errors_of(html: str, field_id: str) -> list[str]:
    marker = f'id="{field_id}-errors">'
    start = html.find(marker)
    assert start >= 0, f"no errors beside {field_id}"
    block = html[start + len(marker):html.find("</ul>", start)]
    return [li.split("</li>")[0] for li in block.split("<li>")[1:]]


def test_rows_are_added_and_removed_without_javascript_and_nothing_is_stored(act, make, school):
    version, url = _editor(make, school, SOURCES["worked"])
    admin = act(school.admin)
    page = fields_of(admin.get(url).get_data(as_text=True))
    assert {"add:dimensions", "add:dimensions-0-indicators", "add:dimensions-0-indicators-0-items",
            "remove:dimensions-0-indicators-1", "add:caps", "remove:caps-0", "add:titles",
            "add:require"} <= set(page.buttons)
    before = table_dump()
    posted = dict(page.values, op="add:dimensions-0-indicators-0-items")
    added = admin.post(url, posted, csrf=False)
    assert added.status_code == 200
    after_add = fields_of(added.get_data(as_text=True)).values
    assert "dimensions-0-indicators-0-items-0-name" in after_add
    assert "dimensions-0-indicators-0-items-0-points" in after_add
    posted = dict(after_add, op="remove:dimensions-0-indicators-0")
    posted["dimensions-0-name"] = "改过的名字"
    removed = fields_of(admin.post(url, posted, csrf=False).get_data(as_text=True)).values
    assert removed["dimensions-0-indicators-0-key"] == "service"  # the second moved up
    assert "dimensions-0-indicators-1-key" not in removed
    assert removed["dimensions-0-name"] == "改过的名字"  # other edits are kept
    assert table_dump() == before
    # and saving then stores exactly the edited rules
    saved = admin.post(url, dict(removed, save="y"), csrf=False)
    assert saved.status_code == 302
    new = db.session.scalars(sa.select(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == version.rule_set_id, RuleSetVersion.version == 2)).one()
    rules = load_rules(new.source)
    assert rules.dimensions[0].name == "改过的名字"
    assert [i.key for i in rules.dimensions[0].indicators] == ["service"]


def test_unchanged_forms_are_refused_as_nothing_changed(act, make, school):
    """The examples' text is what the forms write: saving them untouched is "nothing changed"."""
    version, url = _editor(make, school, SOURCES["worked"])
    admin = act(school.admin)
    posted = dict(fields_of(admin.get(url).get_data(as_text=True)).values, save="y")
    refused = admin.post(url, posted, csrf=False)
    assert refused.status_code == 400
    assert "没有改动" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == version.rule_set_id)) == 1


def test_another_schools_rule_set_is_not_found(act, make, school):
    version = make.rules(make.school(), SOURCES["worked"])
    db.session.commit()
    url = f"/admin/rules/{version.rule_set_id}/editor"
    assert act(school.admin).get(url).status_code == 404


def test_editor_statement_count_does_not_grow_with_versions(act, make, school, count_queries):
    version, url = _editor(make, school, SOURCES["default"])
    admin = act(school.admin)
    assert admin.get(url).status_code == 200  # warm
    with count_queries() as one:
        assert admin.get(url).status_code == 200
    for n in range(2, 7):
        db.session.add(RuleSetVersion(rule_set_id=version.rule_set_id, version=n,
                                      source=f"# v{n}\n" + SOURCES["default"]))
    db.session.commit()
    with count_queries() as six:
        assert admin.get(url).status_code == 200
    assert six.count == one.count

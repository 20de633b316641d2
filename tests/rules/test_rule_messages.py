"""Rule-file problems in the reader's words (issue 13, found 4): every reason the engine can
give has Chinese and English words, the location names the dimension, and the Chinese admin
page shows Chinese with a line number — while `rules check` keeps the field path."""

from __future__ import annotations

import copy
import json
import re

import pytest
from flask_babel import force_locale

from starrating.rules import RuleValidationError, load_rules
from starrating.services import rule_messages

from .helpers import base_doc

WRONG = [True, "x", "", [], {}, -5, 0, 0.001, 10**30, 7.5, {"9": 1}, {"x": 1}, {"3": 200}]


def _mutations(doc: dict):
    """Many broken documents: every scalar or table of the base document set to each wrong
    value in turn, each key removed, and a few whole-document breakages."""
    def walk(node, path):
        if isinstance(node, dict):
            for key in list(node):
                yield path + [key]
                yield from walk(node[key], path + [key])
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, path + [i])
    for path in walk(doc, []):
        for value in [*WRONG, "DELETE"]:
            broken = copy.deepcopy(doc)
            parent = broken
            for step in path[:-1]:
                parent = parent[step]
            if value == "DELETE":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield json.dumps(broken, ensure_ascii=False), "json"
    extra = copy.deepcopy(doc)
    extra["overall"] = {"method": "min_stars", "quota": {"5": 10}, "quota_scope": "grade"}
    yield json.dumps(extra, ensure_ascii=False), "json"
    for d in doc["dimensions"]:
        d["weight"] = 0
    yield json.dumps(doc, ensure_ascii=False), "json"
    yield 'name = "x"\n[[dimensions]\n', "toml"
    yield '{"name": ', "json"
    yield "[1, 2]", "json"
    yield "x = " + "[" * 80 + "]" * 80, "toml"
    yield "x = " + "9" * 60, "toml"


def _all_reasons() -> set[str]:
    reasons = set()
    for text, fmt in _mutations(base_doc()):
        try:
            load_rules(text, fmt)
        except RuleValidationError as e:
            reasons |= {err.message for err in e.errors}
    return reasons


def test_every_reason_the_engine_gives_has_words_in_both_languages(app):
    reasons = _all_reasons()
    assert len(reasons) > 40  # the mutations reach most of the engine's checks
    with app.test_request_context():
        unmatched = [r for r in reasons if not any(p.match(r) for p, _ in rule_messages.MESSAGES)]
        assert unmatched == []
        for r in reasons:
            with force_locale("zh_Hans_CN"):
                zh = rule_messages.reason(r)
            assert re.search(r"[\u4e00-\u9fff]", zh), (r, zh)
            with force_locale("en"):
                assert rule_messages.reason(r)


SOURCE = '''name = "细则"

[[dimensions]]
key = "moral"
name = "思想品德"
base = 80
max = 100
weight = -5
thresholds = { 5 = 90, 4 = 80 }

[[dimensions.indicators]]
key = "service"
name = "志愿服务"

[[dimensions]]
key = "skill"
name = "技能"
base = 60
max = 100
thresholds = { 5 = 90 }

[[dimensions.indicators]]
key = "course"
name = "课程"
min = 5
max = 1

[overall]
method = "weighted"
thresholds = { 5 = 90 }
'''


def test_the_location_names_the_dimension_and_the_line(app):
    with pytest.raises(RuleValidationError) as info:
        load_rules(SOURCE, "toml")
    paths = [e.path for e in info.value.errors]
    assert paths == ["dimensions[0].weight", "dimensions[1].indicators[0].min"]  # CLI contract
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        weight, minimum = rule_messages.describe(info.value.errors, SOURCE)
        assert (weight.where, weight.message, weight.line) == (
            "第 1 个维度『思想品德』 › 权重", "-5 不能为负数", 8)
        assert minimum.where == "第 2 个维度『技能』 › 第 1 个指标『课程』 › 下限"
        assert minimum.message == "下限 5 大于上限 1" and minimum.line == 25
    with app.test_request_context(), force_locale("en"):
        weight, _ = rule_messages.describe(info.value.errors, SOURCE)
        assert weight.where == "dimension 1『思想品德』 › weight"
        assert weight.message == "-5 must not be negative"


def test_the_chinese_admin_page_shows_chinese_errors_with_the_line(act, school):
    admin = act(school.admin)
    response = admin.post("/admin/rules", {"name": "新细则", "source": SOURCE, "comment": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第 1 个维度『思想品德』 › 权重" in html and "-5 不能为负数" in html
    assert "（第 8 行）" in html
    assert "must not be negative" not in html


def test_rules_check_still_names_the_field_path(runner, tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(SOURCE, encoding="utf-8")
    result = runner.invoke(args=["rules", "check", str(path)])
    assert result.exit_code != 0
    assert "dimensions[0].weight" in result.output and "must not be negative" in result.output

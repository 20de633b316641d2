"""Stored reasons (rules/stored.py): the explanation rendered from them is the one rendered
from the evaluated result, in both languages, with the same next-star advice."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings

from starrating.rules import StudentInput, evaluate, load_default_rules
from starrating.rules.stored import is_reasons, reasons, restore

from .helpers import base_doc, rules_from, student
from .test_rules_properties import cases


def _next(res):
    return {k: d.next_star for k, d in res.dimensions.items()}


def _roundtrip(rules, res):
    """Through the JSON text the database stores."""
    data = json.loads(res.reasons_json())
    assert data == reasons(res)
    return restore(rules, data, res.titles, res.id, res.class_, res.grade)


def _assert_same(rules, results):
    # the fingerprint covers what is stored: equal digests, equal reasons, titles and groups
    stored = {}
    for res in results:
        stored.setdefault(res.fingerprint(), set()).add((res.reasons_json(), tuple(res.titles), res.class_, res.grade))
    assert all(len(kinds) == 1 for kinds in stored.values())
    for res in results:
        back = _roundtrip(rules, res)
        assert back.explain("zh") == res.explain("zh")
        assert back.explain("en") == res.explain("en")
        assert _next(back) == _next(res)
        assert back.overall_score == res.overall_score and back.overall_stars == res.overall_stars
        assert back.exact_overall_score == res.exact_overall_score
        assert {k: (d.score, d.stars) for k, d in back.dimensions.items()} == \
            {k: (d.score, d.stars) for k, d in res.dimensions.items()}


def _default_students(rules, n=400, seed=3):
    rng = random.Random(seed)
    keys = rules.indicator_keys()
    flags = [c.flag for c in rules.caps if c.flag]
    out = []
    for i in range(n):
        totals = {k: Decimal(rng.randint(-3000, 4000)) / 100 for k in rng.sample(keys, rng.randint(0, len(keys)))}
        out.append(StudentInput(f"s{i}", f"{i % 7}:班{i % 7}", str(2024 + i % 2),
                                frozenset(rng.sample(flags, rng.choice((0, 0, 0, 0, 1, 2)))), totals))
    return out


def test_default_rules_render_the_same_from_stored_reasons():
    rules = load_default_rules()
    results = evaluate(rules, _default_students(rules))
    # the sample reaches every kind of line the default rules can give
    text = "\n".join(line for r in results for line in r.explain("zh"))
    for part in ("达到", "未达到", "最高", "再得", "获得称号", "已是最高星级"):
        assert part in text, part
    _assert_same(rules, results)


def _fixture_rules():
    """base_doc (caps of every kind, titles) with quotas on a dimension and the overall,
    and a requirement."""
    doc = base_doc()
    doc["dimensions"][0]["quota"] = {"5": 20, "4": 40}
    doc["dimensions"][0]["quota_scope"] = "grade"
    doc["overall"]["quota"] = {"5": 10}
    doc["overall"]["require"] = [{"stars": 4, "all_dimensions_at_least": 3}]
    doc["caps"][1]["below"] = -5  # 差: a moral discipline below -5 holds moral at 2 stars
    return rules_from(doc)


def _fixture_students():
    out = []
    for i in range(30):
        flags = ("sanction.demerit",) if i % 9 == 0 else ("fixed",) if i % 11 == 0 else ()
        out.append(student(f"s{i}", class_=f"c{i % 2}", grade="g", flags=flags,
                           moral__service=Decimal(15 - i % 16), moral__discipline=Decimal(-3 * (i % 9)),
                           skill__course=Decimal(50 - i * 4)))
    return out


def test_caps_quotas_requirements_and_titles_render_the_same():
    rules = _fixture_rules()
    results = evaluate(rules, _fixture_students())
    zh = "\n".join(line for r in results for line in r.explain("zh"))
    for part in ("名额", "因「记过」综合最高", "因「差」最高", "因「定分」按", "要求各维度均不低于", "获得称号",
                 "按满分", "按最低分"):
        assert part in zh, part
    _assert_same(rules, results)


@pytest.mark.parametrize("method", ["star_sum", "min_stars"])
def test_other_overall_methods_render_the_same(method):
    doc = base_doc()
    doc["overall"] = ({"method": "min_stars"} if method == "min_stars"
                      else {"method": "star_sum", "thresholds": {"5": 9, "4": 7, "3": 5}, "quota": {"5": 30}})
    rules = rules_from(doc)
    results = evaluate(rules, _fixture_students())
    _assert_same(rules, results)


def test_english_names_render_the_same():
    doc = base_doc()
    doc["dimensions"][0]["name_en"] = "Moral conduct"
    doc["caps"][0]["name_en"] = "Demerit"
    doc["titles"][1]["name_en"] = "Moral star"
    rules = rules_from(doc)
    results = evaluate(rules, _fixture_students())
    assert any("Demerit" in line for r in results for line in r.explain("en"))
    _assert_same(rules, results)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_random_rules_render_the_same(case):
    doc, students = case
    rules = rules_from(doc)
    _assert_same(rules, evaluate(rules, students))


def test_reasons_are_compact_and_tagged():
    rules = load_default_rules()
    (res,) = evaluate(rules, [StudentInput("s", "1:A", "1", frozenset(), {"moral.service": Decimal("3.5")})])
    data = reasons(res)
    assert is_reasons(data) and not is_reasons({"zh": [], "en": [], "next": {}})
    assert len(data["d"]) == len(rules.dimensions)
    stored = res.reasons_json()
    rendered = json.dumps({"zh": res.explain("zh"), "en": res.explain("en")}, ensure_ascii=False)
    assert len(stored) * 3 < len(rendered)


def test_reasons_that_do_not_fit_the_rules_are_refused():
    rules = load_default_rules()
    (res,) = evaluate(rules, [StudentInput("s", "1:A", "1")])
    data = reasons(res)
    with pytest.raises(ValueError):
        restore(rules, {**data, "d": data["d"][:2]}, [])
    with pytest.raises(ValueError):
        restore(rules, {"zh": ["…"]}, [])

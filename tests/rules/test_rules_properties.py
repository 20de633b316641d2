"""Properties of the evaluator over random rule sets and classes (hypothesis)."""

from __future__ import annotations

import json
import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from starrating.rules import StudentInput, evaluate, parse_students_json

from .helpers import rules_from

SETTINGS = settings(max_examples=200, deadline=None)
SCOPES = ["class", "grade", "school"]
FLAGS = ["f1", "f2"]


def _levels(draw, max_stars, low, high, min_size=0):
    levels = sorted(draw(st.lists(st.integers(1, max_stars), unique=True, min_size=min_size, max_size=max_stars)))
    values = sorted(draw(st.lists(st.integers(low, high), unique=True, min_size=len(levels), max_size=len(levels))))
    return {str(level): v for level, v in zip(levels, values, strict=True)}


def _quota(draw, max_stars):
    levels = draw(st.lists(st.integers(1, max_stars), unique=True, min_size=1, max_size=2))
    return {str(level): draw(st.integers(1, 100)) for level in levels}


@st.composite
def rule_docs(draw, quotas=True, caps=True, score_caps=True):
    max_stars = draw(st.integers(1, 5))
    n_dims = draw(st.integers(1, 3))
    dims = []
    for i in range(n_dims):
        dim = {
            "key": f"d{i}", "name": f"维度{i}", "base": draw(st.integers(0, 60)), "max": 100,
            "weight": draw(st.integers(0, 3)), "thresholds": _levels(draw, max_stars, 0, 100),
            "indicators": [{"key": "a", "name": "A", "min": -20, "max": 20}, {"key": "b", "name": "B"}],
        }
        if quotas and draw(st.booleans()):
            dim["quota"] = _quota(draw, max_stars)
            dim["quota_scope"] = draw(st.sampled_from(SCOPES))
        dims.append(dim)
    method = draw(st.sampled_from(["weighted", "star_sum", "min_stars"]))
    if method == "weighted" and all(d["weight"] == 0 for d in dims):
        dims[0]["weight"] = 1
    overall: dict = {"method": method}
    if method == "weighted":
        overall["thresholds"] = _levels(draw, max_stars, 0, 100)
    elif method == "star_sum":
        overall["thresholds"] = _levels(draw, max_stars, 0, n_dims * max_stars)
    if draw(st.booleans()):
        overall["require"] = [{"stars": draw(st.integers(1, max_stars)),
                               "all_dimensions_at_least": draw(st.integers(0, max_stars))}]
    if quotas and method != "min_stars" and draw(st.booleans()):
        overall["quota"] = _quota(draw, max_stars)
        overall["quota_scope"] = draw(st.sampled_from(SCOPES))
    cap_list = []
    if caps:
        effects = ["overall", "stars"] + (["score"] if score_caps else [])
        for j in range(draw(st.integers(0, 3))):
            cap: dict = {"name": f"cap{j}"}
            if draw(st.booleans()):
                cap["flag"] = draw(st.sampled_from(FLAGS))
            else:
                cap["indicator"] = f"d{draw(st.integers(0, n_dims - 1))}.a"
                cap["below"] = draw(st.integers(-20, 20))
            effect = draw(st.sampled_from(effects))
            if effect == "overall":
                cap["overall_max"] = draw(st.integers(0, max_stars))
            else:
                cap["dimension"] = f"d{draw(st.integers(0, n_dims - 1))}"
                if effect == "stars":
                    cap["max_stars"] = draw(st.integers(0, max_stars))
                else:
                    cap["score"] = draw(st.integers(0, 100))
            cap_list.append(cap)
    titles = [{"name": "top", "overall_at_least": max_stars}, {"name": "d0", "dimension": "d0", "at_least": 1}]
    return {"max_stars": max_stars, "dimensions": dims, "overall": overall, "caps": cap_list, "titles": titles}


cents = st.integers(-3000, 3000).map(lambda c: Decimal(c) / 100)


@st.composite
def classes(draw, doc):
    """Students of two classes in two grades; totals on some indicators."""
    keys = [f"{d['key']}.{i['key']}" for d in doc["dimensions"] for i in d["indicators"]]
    n = draw(st.integers(1, 14))
    out = []
    for k in range(n):
        chosen = draw(st.lists(st.sampled_from(keys), unique=True))
        totals = {key: draw(cents) for key in chosen}
        # duplicates make ties likely
        if out and draw(st.integers(0, 3)) == 0:
            prev = draw(st.sampled_from(out))
            totals = dict(prev.totals)
        out.append(StudentInput(
            f"s{k}", draw(st.sampled_from(["A", "B"])), draw(st.sampled_from(["1", "2"])),
            frozenset(draw(st.lists(st.sampled_from(FLAGS), unique=True))), totals,
        ))
    return out


@st.composite
def cases(draw, **kw):
    doc = draw(rule_docs(**kw))
    return doc, draw(classes(doc))


def summary(res):
    return ({k: (r.score, r.stars) for k, r in res.dimensions.items()}, res.overall_score, res.overall_stars,
            tuple(res.titles))


def _group(st_in, scope):
    return {"class": st_in.class_, "grade": st_in.grade, "school": ""}[scope]


def _check_limits(students, stars, quota, scope):
    groups: dict[str, list[int]] = {}
    for s, n in zip(students, stars, strict=True):
        groups.setdefault(_group(s, scope), []).append(n)
    for members in groups.values():
        for level, pct in quota.items():
            assert members.count(int(level)) <= len(members) * pct // 100


@SETTINGS
@given(cases())
def test_no_level_exceeds_its_quota(case):
    doc, students = case
    results = evaluate(rules_from(doc), students)
    for dim in doc["dimensions"]:
        if "quota" in dim:
            _check_limits(students, [r.dimensions[dim["key"]].stars for r in results], dim["quota"],
                          dim.get("quota_scope", "class"))
    if "quota" in doc["overall"]:
        _check_limits(students, [r.overall_stars for r in results], doc["overall"]["quota"],
                      doc["overall"].get("quota_scope", "class"))


@SETTINGS
@given(cases(caps=False))
def test_equal_scores_in_a_group_get_equal_stars(case):
    doc, students = case
    results = evaluate(rules_from(doc), students)
    for dim in doc["dimensions"]:
        scope = dim.get("quota_scope", "class")
        seen = {}
        for s, r in zip(students, results, strict=True):
            d = r.dimensions[dim["key"]]
            key = (_group(s, scope), d.score)
            assert seen.setdefault(key, d.stars) == d.stars
    seen = {}
    for s, r in zip(students, results, strict=True):
        key = (s.class_, s.grade, tuple(sorted(s.totals.items())))
        assert seen.setdefault(key, summary(r)) == summary(r)


@SETTINGS
@given(cases(quotas=False, score_caps=False), st.data())
def test_a_positive_entry_never_lowers_a_star(case, data):
    doc, students = case
    rules = rules_from(doc)
    i = data.draw(st.integers(0, len(students) - 1))
    key = data.draw(st.sampled_from(rules.indicator_keys()))
    points = data.draw(st.integers(1, 2000).map(lambda c: Decimal(c) / 100))
    before = evaluate(rules, students)[i]
    s = students[i]
    totals = dict(s.totals)
    totals[key] = totals.get(key, Decimal(0)) + points
    changed = [*students[:i], StudentInput(s.id, s.class_, s.grade, s.flags, totals), *students[i + 1:]]
    after = evaluate(rules, changed)[i]
    for k, r in before.dimensions.items():
        assert after.dimensions[k].stars >= r.stars
        assert after.dimensions[k].score >= r.score
    assert after.overall_stars >= before.overall_stars


@SETTINGS
@given(cases(quotas=False, score_caps=False))
def test_caps_never_raise_a_star(case):
    doc, students = case
    capped = evaluate(rules_from(doc), students)
    free = evaluate(rules_from({**doc, "caps": []}), students)
    for c, f in zip(capped, free, strict=True):
        for k, r in c.dimensions.items():
            assert r.stars <= f.dimensions[k].stars
        assert c.overall_stars <= f.overall_stars


@SETTINGS
@given(cases())
def test_capped_student_never_above_the_cap(case):
    doc, students = case
    rules = rules_from(doc)
    for s, r in zip(students, evaluate(rules, students), strict=True):
        for cap in rules.caps:
            hit = cap.flag in s.flags if cap.flag else s.totals.get(cap.indicator, 0) < cap.below
            if not hit:
                continue
            if cap.overall_max is not None:
                assert r.overall_stars <= cap.overall_max
            elif cap.max_stars is not None:
                assert r.dimensions[cap.dimension].stars <= cap.max_stars


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_result_independent_of_student_and_entry_order(case, rnd):
    doc, students = case
    rules = rules_from(doc)
    base = {r.id: summary(r) for r in evaluate(rules, students)}

    shuffled = students[:]
    rnd.shuffle(shuffled)
    assert {r.id: summary(r) for r in evaluate(rules, shuffled)} == base

    def as_json(order_rng: random.Random) -> str:
        out = []
        for s in shuffled:
            entries = []
            for key, total in s.totals.items():
                # split each total into a few entries, then shuffle them
                parts = [Decimal(order_rng.randint(-500, 500)) / 100 for _ in range(order_rng.randint(0, 2))]
                parts.append(total - sum(parts, Decimal(0)))
                entries += [{"indicator": key, "points": p} for p in parts]
            order_rng.shuffle(entries)
            out.append({"id": s.id, "class": s.class_, "grade": s.grade, "flags": sorted(s.flags),
                        "entries": entries})
        return json.dumps({"students": out}, default=lambda d: float(d) if d == round(d, 2) else str(d))

    parsed = parse_students_json(as_json(random.Random(rnd.random())), rules)
    assert {r.id: summary(r) for r in evaluate(rules, parsed)} == base

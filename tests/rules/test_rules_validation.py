"""Every validation rule of rules.md: the path named, a plain reason, all problems reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from starrating.rules import RuleValidationError, load_rules

from .helpers import base_doc, errors_of, paths_of, rules_from


def test_base_doc_is_valid():
    rules = rules_from(base_doc())
    assert rules.indicator_keys() == ["moral.discipline", "moral.service", "skill.course"]
    assert rules.dimension("skill").indicator("course").name == "课程"
    assert rules.dimension("moral").indicators[0].items[0].points == -2


def test_invalid_toml_is_one_file_error():
    errs = errors_of('name = "x"\n[[dimensions]\n', "toml")
    assert len(errs) == 1 and errs[0][0] == "(file)" and "TOML" in errs[0][1]


def test_invalid_json_is_one_file_error():
    errs = errors_of('{"name": ', "json")
    assert len(errs) == 1 and errs[0][0] == "(file)" and "JSON" in errs[0][1]


def test_not_utf8_and_not_a_table():
    with pytest.raises(RuleValidationError) as info:
        load_rules(b"name = \"\xff\"", "toml")
    assert info.value.errors[0].path == "(file)"
    assert paths_of("[1, 2]") == ["(file)"]


def test_unknown_keys_at_every_level():
    doc = base_doc()
    doc["colour"] = 1
    doc["dimensions"][0]["colour"] = 1
    doc["dimensions"][0]["indicators"][0]["colour"] = 1
    doc["dimensions"][0]["indicators"][0]["items"][0]["colour"] = 1
    doc["overall"]["colour"] = 1
    doc["caps"][0]["colour"] = 1
    doc["titles"][1]["colour"] = 1
    assert sorted(paths_of(doc)) == sorted([
        "colour",
        "dimensions[0].colour",
        "dimensions[0].indicators[0].colour",
        "dimensions[0].indicators[0].items[0].colour",
        "overall.colour",
        "caps[0].colour",
        "titles[1].colour",
    ])


def test_missing_required_keys():
    doc = base_doc()
    for key in ("key", "name", "base", "max", "thresholds"):
        del doc["dimensions"][1][key]
    del doc["dimensions"][0]["indicators"][1]["key"]
    del doc["dimensions"][0]["indicators"][1]["name"]
    del doc["caps"][0]["name"]
    del doc["titles"][0]["name"]
    errs = errors_of(doc)
    for path in ("dimensions[1].key", "dimensions[1].name", "dimensions[1].base", "dimensions[1].max",
                 "dimensions[1].thresholds", "dimensions[0].indicators[1].key",
                 "dimensions[0].indicators[1].name", "caps[0].name", "titles[0].name"):
        assert (path, "missing required key") in errs


def test_missing_dimensions_and_overall():
    doc = base_doc()
    del doc["dimensions"]
    del doc["overall"]
    paths = paths_of(doc)
    assert "dimensions" in paths and "overall" in paths


@pytest.mark.parametrize("key", ["Moral", "1moral", "mo-ral", "", "moral.x"])
def test_key_regex(key):
    doc = base_doc()
    doc["dimensions"][0]["key"] = key
    doc["dimensions"][1]["indicators"][0]["key"] = key
    paths = paths_of(doc)
    assert "dimensions[0].key" in paths
    assert "dimensions[1].indicators[0].key" in paths


def test_duplicate_keys():
    doc = base_doc()
    doc["dimensions"][1]["key"] = "moral"
    doc["dimensions"][0]["indicators"][1]["key"] = "discipline"
    errs = dict(errors_of(doc))
    assert "duplicate" in errs["dimensions[1].key"]
    assert "duplicate" in errs["dimensions[0].indicators[1].key"]


def test_same_indicator_key_in_two_dimensions_is_fine():
    doc = base_doc()
    doc["dimensions"][1]["indicators"][0]["key"] = "service"
    assert rules_from(doc).indicator_keys()[-1] == "skill.service"


@pytest.mark.parametrize("n", [0, 13])
def test_dimension_count(n):
    doc = base_doc()
    dim = doc["dimensions"][1]
    doc["dimensions"] = [dict(dim, key=f"d{i}") for i in range(n)]
    doc["caps"], doc["titles"] = [], []
    errs = dict(errors_of(doc))
    assert "1 to 12" in errs["dimensions"]


def test_twelve_dimensions_are_fine():
    doc = base_doc()
    dim = doc["dimensions"][1]
    doc["dimensions"] = [dict(dim, key=f"d{i}") for i in range(12)]
    doc["caps"], doc["titles"] = [], []
    assert len(rules_from(doc).dimensions) == 12


@pytest.mark.parametrize("value", [0, 11, -1, 2.5, "5", True])
def test_max_stars_range_and_type(value):
    doc = base_doc()
    doc["max_stars"] = value
    assert "max_stars" in paths_of(doc)


def test_max_stars_limits_levels():
    doc = base_doc()
    doc["max_stars"] = 3
    paths = paths_of(doc)
    assert "dimensions[0].thresholds.5" in paths and "dimensions[0].thresholds.4" in paths
    assert "overall.thresholds.5" in paths


def test_thresholds_strictly_increasing():
    doc = base_doc()
    doc["dimensions"][1]["thresholds"] = {"5": 90, "4": 90, "3": 70, "2": 75}
    doc["overall"]["thresholds"] = {"5": 80, "4": 85}
    errs = dict(errors_of(doc))
    assert "strictly increase" in errs["dimensions[1].thresholds.5"]
    assert "dimensions[1].thresholds.3" in errs  # 70 is not above level 2's 75
    assert "strictly increase" in errs["overall.thresholds.5"]


def test_missing_levels_are_fine():
    doc = base_doc()
    doc["dimensions"][1]["thresholds"] = {"5": 90, "2": 60}
    assert rules_from(doc).dimension("skill").thresholds == {5: 90, 2: 60}


@pytest.mark.parametrize("level", ["0", "6", "x", "-1"])
def test_threshold_level_range(level):
    doc = base_doc()
    doc["dimensions"][0]["thresholds"][level] = 99
    assert f"dimensions[0].thresholds.{level}" in paths_of(doc)


def test_star_counts_out_of_range():
    doc = base_doc()
    doc["overall"]["require"] = [{"stars": 0, "all_dimensions_at_least": 6}]
    doc["caps"][0]["overall_max"] = 6
    doc["caps"][1]["max_stars"] = -1
    doc["titles"][0]["overall_at_least"] = 7
    doc["titles"][1]["at_least"] = 6
    assert sorted(paths_of(doc)) == sorted([
        "overall.require[0].stars", "overall.require[0].all_dimensions_at_least",
        "caps[0].overall_max", "caps[1].max_stars", "titles[0].overall_at_least", "titles[1].at_least",
    ])


def test_zero_stars_allowed_where_the_range_starts_at_zero():
    doc = base_doc()
    doc["overall"]["require"] = [{"stars": 1, "all_dimensions_at_least": 0}]
    doc["caps"][0]["overall_max"] = 0
    doc["titles"][1]["at_least"] = 0
    rules = rules_from(doc)
    [requirement] = rules.overall.require
    assert (requirement.stars, requirement.all_dimensions_at_least) == (1, 0)
    assert rules.caps[0].overall_max == 0  # kept as 0, not dropped as "no cap"
    assert rules.titles[1].at_least == 0 and rules.titles[1].dimension == "moral"
    # one below zero is out of the range for the same three fields
    doc["overall"]["require"][0]["all_dimensions_at_least"] = -1
    doc["caps"][0]["overall_max"] = -1
    doc["titles"][1]["at_least"] = -1
    assert sorted(paths_of(doc)) == ["caps[0].overall_max",
                                     "overall.require[0].all_dimensions_at_least",
                                     "titles[1].at_least"]


@pytest.mark.parametrize("value", [0, -5, 100.01, "10"])
def test_quota_range(value):
    doc = base_doc()
    doc["dimensions"][0]["quota"] = {"5": value}
    doc["overall"]["quota"] = {"4": value}
    paths = paths_of(doc)
    assert "dimensions[0].quota.5" in paths and "overall.quota.4" in paths


def test_quota_100_is_fine():
    doc = base_doc()
    doc["dimensions"][0]["quota"] = {"5": 100, "4": 0.5}
    assert rules_from(doc).dimension("moral").quota == {5: 100, 4: Decimal("0.5")}


@pytest.mark.parametrize(("base", "ok"), [(-1, False), (0, True), (100, True), (100.5, False)])
def test_base_within_0_max(base, ok):
    doc = base_doc()
    doc["dimensions"][0]["base"] = base
    if ok:
        assert rules_from(doc).dimension("moral").base == base
    else:
        assert "dimensions[0].base" in paths_of(doc)


@pytest.mark.parametrize("value", [0, -10])
def test_max_positive(value):
    doc = base_doc()
    doc["dimensions"][1]["max"] = value
    doc["dimensions"][1]["base"] = 0
    assert "dimensions[1].max" in paths_of(doc)


def test_negative_weight():
    doc = base_doc()
    doc["dimensions"][1]["weight"] = -1
    assert paths_of(doc) == ["dimensions[1].weight"]


def test_all_weights_zero_with_weighted_only():
    doc = base_doc()
    for d in doc["dimensions"]:
        d["weight"] = 0
    assert paths_of(doc) == ["dimensions"]
    doc["overall"]["method"] = "star_sum"
    doc["overall"]["thresholds"] = {"1": 2}
    rules = rules_from(doc)
    assert rules.overall.method == "star_sum" and all(d.weight == 0 for d in rules.dimensions)


def test_indicator_min_above_max():
    doc = base_doc()
    doc["dimensions"][0]["indicators"][1]["min"] = 20
    errs = dict(errors_of(doc))
    assert "greater than max" in errs["dimensions[0].indicators[1].min"]


@pytest.mark.parametrize(("where", "path"), [("method", "overall.method"), ("quota_scope", "overall.quota_scope")])
def test_method_and_scope_lists(where, path):
    doc = base_doc()
    doc["overall"][where] = "average"
    doc["dimensions"][0]["quota_scope"] = "city"
    paths = paths_of(doc)
    assert path in paths and "dimensions[0].quota_scope" in paths


def test_caps_and_titles_naming_unknown_things():
    doc = base_doc()
    doc["caps"][1]["indicator"] = "moral.nothing"
    doc["caps"][2]["dimension"] = "sport"
    doc["titles"][1]["dimension"] = "sport"
    doc["caps"].append({"name": "x", "indicator": "discipline", "below": 0, "overall_max": 1})
    assert sorted(paths_of(doc)) == ["caps[1].indicator", "caps[2].dimension", "caps[3].indicator",
                                     "titles[1].dimension"]


@pytest.mark.parametrize(
    ("cap", "path"),
    [
        ({"name": "x", "overall_max": 1}, "caps[3]"),  # no condition
        ({"name": "x", "flag": "f", "indicator": "moral.service", "below": 1, "overall_max": 1}, "caps[3]"),
        ({"name": "x", "indicator": "moral.service", "overall_max": 1}, "caps[3].below"),
        ({"name": "x", "below": 1, "overall_max": 1}, "caps[3].indicator"),
        ({"name": "x", "flag": "f"}, "caps[3]"),  # no effect
        ({"name": "x", "flag": "f", "overall_max": 1, "dimension": "moral", "max_stars": 1}, "caps[3]"),
        ({"name": "x", "flag": "f", "dimension": "moral"}, "caps[3]"),
        ({"name": "x", "flag": "f", "dimension": "moral", "max_stars": 1, "score": 3}, "caps[3]"),
        ({"name": "x", "flag": "f", "max_stars": 1}, "caps[3].dimension"),
    ],
)
def test_cap_exactly_one_condition_and_one_effect(cap, path):
    doc = base_doc()
    doc["caps"].append(cap)
    assert path in paths_of(doc)


@pytest.mark.parametrize(
    ("title", "path"),
    [
        ({"name": "x"}, "titles[2]"),
        ({"name": "x", "overall_at_least": 1, "dimension": "moral", "at_least": 1}, "titles[2]"),
        ({"name": "x", "dimension": "moral"}, "titles[2].at_least"),
        ({"name": "x", "at_least": 3}, "titles[2].dimension"),
    ],
)
def test_title_exactly_one_condition(title, path):
    doc = base_doc()
    doc["titles"].append(title)
    assert path in paths_of(doc)


@pytest.mark.parametrize(("score", "ok"), [(-1, False), (0, True), (100, True), (100.01, False)])
def test_cap_score_within_dimension(score, ok):
    doc = base_doc()
    doc["caps"][2]["score"] = score
    if ok:
        assert rules_from(doc).caps[2].score == score
    else:
        assert paths_of(doc) == ["caps[2].score"]


def test_quota_with_min_stars():
    doc = base_doc()
    doc["overall"] = {"method": "min_stars", "quota": {"5": 10}, "quota_scope": "grade"}
    paths = paths_of(doc)
    assert "overall.quota" in paths
    doc["overall"] = {"method": "min_stars"}
    doc["dimensions"][0]["quota"] = {"5": 10}  # dimension quotas stay allowed
    rules = rules_from(doc)
    assert rules.overall.method == "min_stars" and rules.dimension("moral").quota == {5: 10}


def test_overall_thresholds_required_except_min_stars():
    doc = base_doc()
    del doc["overall"]["thresholds"]
    assert paths_of(doc) == ["overall.thresholds"]
    doc["overall"]["method"] = "min_stars"
    assert rules_from(doc).overall.thresholds == {}


def test_overall_defaults():
    doc = base_doc()
    doc["overall"] = {"thresholds": {"1": 0}}
    o = rules_from(doc).overall
    assert (o.method, o.quota_scope, o.require, o.quota) == ("weighted", "class", (), {})


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"name": "x"}, "dimensions[0].indicators[0].items[1].points"),
        ({"points": 1}, "dimensions[0].indicators[0].items[1].name"),
        ({"name": "x", "points": 1, "note": "n"}, "dimensions[0].indicators[0].items[1].note"),
        ({"name": "x", "points": 1.005}, "dimensions[0].indicators[0].items[1].points"),
        ({"name": "x", "points": "1"}, "dimensions[0].indicators[0].items[1].points"),
        ({"name": "x", "points": False}, "dimensions[0].indicators[0].items[1].points"),
    ],
)
def test_catalogue_items(item, path):
    doc = base_doc()
    doc["dimensions"][0]["indicators"][0]["items"].append(item)
    assert paths_of(doc) == [path]


def test_catalogue_points_exact_cents():
    doc = base_doc()
    doc["dimensions"][0]["indicators"][0]["items"] = [{"name": "a", "points": 1.50}, {"name": "b", "points": -0.01},
                                                      {"name": "c", "points": 1e2}]
    items = rules_from(doc).dimension("moral").indicators[0].items
    assert [i.points for i in items] == [Decimal("1.5"), Decimal("-0.01"), 100]


@pytest.mark.parametrize(
    ("setter", "path"),
    [
        (lambda d: d["dimensions"][0].__setitem__("base", "80"), "dimensions[0].base"),
        (lambda d: d["dimensions"][0].__setitem__("max", True), "dimensions[0].max"),
        (lambda d: d["dimensions"][0].__setitem__("weight", [1]), "dimensions[0].weight"),
        (lambda d: d["dimensions"][0].__setitem__("thresholds", [95]), "dimensions[0].thresholds"),
        (lambda d: d["dimensions"][0]["thresholds"].__setitem__("5", "95"), "dimensions[0].thresholds.5"),
        (lambda d: d["dimensions"][0].__setitem__("indicators", {"key": "x"}), "dimensions[0].indicators"),
        (lambda d: d["dimensions"][0]["indicators"].__setitem__(0, "x"), "dimensions[0].indicators[0]"),
        (lambda d: d["dimensions"][0]["indicators"][0].__setitem__("min", None), "dimensions[0].indicators[0].min"),
        (lambda d: d["dimensions"][0].__setitem__("name", 5), "dimensions[0].name"),
        (lambda d: d.__setitem__("name", 5), "name"),
        (lambda d: d.__setitem__("overall", "weighted"), "overall"),
        (lambda d: d.__setitem__("caps", {}), "caps"),
        (lambda d: d["caps"][1].__setitem__("below", "0"), "caps[1].below"),
        (lambda d: d["caps"][0].__setitem__("flag", 1), "caps[0].flag"),
        (lambda d: d["titles"][0].__setitem__("overall_at_least", True), "titles[0].overall_at_least"),
        (lambda d: d["overall"].__setitem__("require", [{"stars": "5", "all_dimensions_at_least": 4}]),
         "overall.require[0].stars"),
        (lambda d: d["overall"].__setitem__("method", 3), "overall.method"),
    ],
)
def test_wrong_types_are_errors_not_exceptions(setter, path):
    doc = base_doc()
    setter(doc)
    assert path in paths_of(doc)


def test_toml_wrong_types_and_non_finite_numbers():
    text = (
        'max_stars = true\n[[dimensions]]\nkey = "a"\nname = "A"\nbase = inf\nmax = 100\n'
        "thresholds = { 5 = nan }\n[overall]\nthresholds = { 1 = 0 }\n"
        '[[caps]]\nname = "d"\nflag = 2026-01-01\noverall_max = 1\n'
    )
    assert sorted(paths_of(text, "toml")) == ["caps[0].flag", "dimensions[0].base",
                                              "dimensions[0].thresholds.5", "max_stars"]


def test_json_nan_is_a_file_error():
    assert paths_of('{"max_stars": NaN}') == ["(file)"]


def test_every_problem_is_reported_and_str_lists_them():
    doc = base_doc()
    doc["max_stars"] = 11
    doc["dimensions"][0]["key"] = "Bad"
    doc["dimensions"][0]["thresholds"]["5"] = 50
    doc["dimensions"][1]["weight"] = -2
    doc["overall"]["method"] = "average"
    doc["caps"][0]["overall_max"] = "1"
    doc["titles"][0]["name"] = ""
    with pytest.raises(RuleValidationError) as info:
        rules_from(doc)
    paths = [e.path for e in info.value.errors]
    for p in ("max_stars", "dimensions[0].key", "dimensions[0].thresholds.5", "dimensions[1].weight",
              "overall.method", "caps[0].overall_max", "titles[0].name"):
        assert p in paths
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.errors)
    assert all(": " in line for line in lines)
    assert "dimensions[1].weight: -2 must not be negative" in lines

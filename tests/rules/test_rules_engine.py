"""The evaluation steps of rules.md one by one, the examples, and the explanations."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from starrating.rules import (
    evaluate,
    evaluate_json,
    load_rules,
    round_score,
)

from .helpers import EXAMPLES, base_doc, rules_from, student

D = Decimal


def one_dim(**over) -> dict:
    """One dimension ``d`` (base 50, max 100) with indicators ``a`` [-10, 10] and ``b`` unbounded."""
    dim = {
        "key": "d", "name": "维度", "base": 50, "max": 100,
        "thresholds": {"5": 90, "4": 80, "3": 70, "2": 60, "1": 40},
        "indicators": [{"key": "a", "name": "A", "min": -10, "max": 10}, {"key": "b", "name": "B"}],
    }
    dim.update(over.pop("dim", {}))
    doc = {"dimensions": [dim], "overall": {"method": "min_stars"}}
    doc.update(over)
    return doc


def run(doc: dict, *students):
    return evaluate(rules_from(doc), list(students))


@pytest.mark.parametrize("name", ["worked", "quota"])
def test_examples_match_expected(name):
    folder = EXAMPLES / name
    rules = load_rules((folder / "rules.toml").read_bytes())
    out = evaluate_json(rules, (folder / "students.json").read_bytes(), lang=None)
    assert out == json.loads((folder / "expected.json").read_text(encoding="utf-8"))


# step 1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "score"), [(25, 0, 60), (-50, 0, 40), (5, -3, 52), (None, None, 50)])
def test_step1_indicator_subtotal_clamped(a, b, score):
    totals = {k: v for k, v in (("d__a", a), ("d__b", b)) if v is not None}
    (res,) = run(one_dim(), student("s", **totals))
    assert res.dimensions["d"].score == score


def test_step1_absent_indicator_is_zero_then_clamped():
    doc = one_dim(dim={"indicators": [{"key": "a", "name": "A", "min": 5, "max": 10}]})
    (res,) = run(doc, student("s"))
    assert res.dimensions["d"].score == 55
    ind = res.dimensions["d"].indicators["d.a"]
    assert (ind.raw, ind.subtotal) == (0, 5)


def test_step1_unknown_totals_are_ignored():
    (res,) = run(one_dim(), student("s", other__x=99))
    assert res.dimensions["d"].score == 50


# step 2 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("b", "score", "raw"), [(80, 100, 130), (-70, 0, -20), ("0.01", D("50.01"), D("50.01"))])
def test_step2_dimension_score_clamped(b, score, raw):
    (res,) = run(one_dim(), student("s", d__b=b))
    r = res.dimensions["d"]
    assert (r.score, r.raw_score) == (score, raw)


def test_step2_score_cap_replaces_even_upward_lowest_wins():
    caps = [
        {"name": "up", "flag": "up", "dimension": "d", "score": 95},
        {"name": "low", "flag": "low", "dimension": "d", "score": 30},
    ]
    doc = one_dim(caps=caps)
    up, both, none = run(doc, student("u", flags=["up"]), student("b", flags=["up", "low"]), student("n"))
    assert (up.dimensions["d"].score, up.dimensions["d"].stars) == (95, 5)
    assert up.dimensions["d"].score_cap == "up" and up.dimensions["d"].computed_score == 50
    assert (both.dimensions["d"].score, both.dimensions["d"].score_cap) == (30, "low")
    assert none.dimensions["d"].score == 50


# step 3 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("b", "stars"), [(-11, 0), (-10, 1), (10, 2), ("19.99", 2), (20, 3), (40, 5), (60, 5)])
def test_step3_highest_level_reached(b, stars):
    (res,) = run(one_dim(), student("s", d__b=b))
    assert res.dimensions["d"].stars == stars


def test_step3_missing_level_is_never_reached():
    doc = one_dim(dim={"thresholds": {"5": 90, "2": 60}})
    s1, s2 = run(doc, student("a", d__b=35), student("b", d__b=40))
    assert (s1.dimensions["d"].stars, s2.dimensions["d"].stars) == (2, 5)


# step 4 ------------------------------------------------------------------------------


def test_step4_star_caps_take_the_minimum():
    caps = [
        {"name": "c3", "flag": "f3", "dimension": "d", "max_stars": 3},
        {"name": "c1", "flag": "f1", "dimension": "d", "max_stars": 1},
        {"name": "low a", "indicator": "d.a", "below": 0, "dimension": "d", "max_stars": 2},
    ]
    doc = one_dim(caps=caps)
    r = run(doc, student("x", flags=["f3"], d__b=40), student("y", flags=["f3", "f1"], d__b=40),
            student("z", d__a=-1, d__b=40), student("w", d__a=0, d__b=40), student("v", flags=["f3"], d__b=0))
    assert [x.dimensions["d"].stars for x in r] == [3, 1, 2, 5, 1]
    assert r[1].dimensions["d"].cap == "c1"


def test_step4_indicator_cap_uses_raw_total_before_clamp():
    caps = [{"name": "deep", "indicator": "d.a", "below": -20, "dimension": "d", "max_stars": 0}]
    a, b = run(one_dim(caps=caps), student("a", d__a=-25, d__b=60), student("b", d__a=-20, d__b=60))
    assert a.dimensions["d"].stars == 0 and b.dimensions["d"].stars == 5


def test_indicator_cap_on_absent_indicator_counts_zero():
    caps = [{"name": "no club", "indicator": "d.a", "below": 1, "dimension": "d", "max_stars": 1}]
    (res,) = run(one_dim(caps=caps), student("a", d__b=50))
    assert res.dimensions["d"].stars == 1


# step 5 ------------------------------------------------------------------------------


def quota_doc(quota, scope="class", thresholds=None):
    return one_dim(dim={"quota": quota, "quota_scope": scope,
                        "thresholds": thresholds or {"5": 90, "4": 80, "3": 70}})


def test_step5_quota_admits_whole_tie_groups():
    # 10 students, 20 % -> 2 places at 5 stars; 100 fits, the 95s (two) would make 3
    scores = [100, 95, 95, 90, 85, 80, 70, 60, 50, 50]
    r = run(quota_doc({"5": 20}), *[student(f"s{i}", d__b=s - 50) for i, s in enumerate(scores)])
    assert [x.dimensions["d"].stars for x in r] == [5, 4, 4, 4, 4, 4, 3, 0, 0, 0]
    drop = r[1].dimensions["d"].quota_drops[0]
    assert (drop.level, drop.limit, drop.group_size, drop.scope) == (5, 2, 10, "class")


def test_step5_dropped_students_are_counted_again_and_cascade():
    # 10 students, 5 stars 10 % (1 place), 4 stars 20 % (2 places)
    scores = [99, 98, 97, 96, 85, 84, 75, 50, 50, 50]
    r = run(quota_doc({"5": 10, "4": 20}), *[student(f"s{i}", d__b=s - 50) for i, s in enumerate(scores)])
    assert [x.dimensions["d"].stars for x in r] == [5, 4, 4, 3, 3, 3, 3, 0, 0, 0]
    assert [d.level for d in r[3].dimensions["d"].quota_drops] == [5, 4]


def test_step5_drop_below_a_missing_level():
    doc = quota_doc({"5": 10}, thresholds={"5": 90, "3": 70})
    r = run(doc, *[student(f"s{i}", d__b=45 - i) for i in range(3)])
    assert [x.dimensions["d"].stars for x in r] == [4, 4, 4]  # limit floor(3 * 10 / 100) = 0


def test_step5_groups_by_scope_and_counts_everyone():
    def students():
        out = [student(f"a{i}", class_="A", grade="1", d__b=45 if i < 2 else 0) for i in range(4)]
        out += [student(f"b{i}", class_="B", grade="1", d__b=45 if i < 2 else 0) for i in range(4)]
        return out
    by_class = run(quota_doc({"5": 25}, "class"), *students())
    assert [x.dimensions["d"].stars for x in by_class][:4] == [4, 4, 0, 0]  # tie of 2 > 1 place
    by_grade = run(quota_doc({"5": 25}, "grade"), *students())
    assert [x.dimensions["d"].stars for x in by_grade].count(5) == 0  # 4 tied > 2 places
    by_school = run(quota_doc({"5": 50}, "school"), *students())
    assert [x.dimensions["d"].stars for x in by_school].count(5) == 4  # 4 of 8 fit exactly


def test_step5_capped_students_do_not_count_at_the_level():
    doc = quota_doc({"5": 25})
    doc["caps"] = [{"name": "c", "flag": "f", "dimension": "d", "max_stars": 3}]
    r = run(doc, student("a", flags=["f"], d__b=50), student("b", d__b=45), student("c"), student("d"))
    assert [x.dimensions["d"].stars for x in r] == [3, 5, 0, 0]


# steps 6-7 ---------------------------------------------------------------------------


def two_dims(method="weighted", **overall):
    doc = base_doc()
    doc["caps"], doc["titles"] = [], []
    doc["dimensions"][0]["weight"] = 2
    doc["dimensions"][1]["weight"] = 1
    doc["overall"] = {"method": method, **overall}
    if method != "min_stars":
        doc["overall"].setdefault("thresholds", {"5": 90, "4": 80, "3": 70, "2": 60, "1": 0})
    return doc


def test_step6_weighted_score_exact():
    # moral 80 (3 stars), skill 61 (2 stars): (2*80 + 61) / 3 = 73.666...
    (res,) = run(two_dims(), student("s", skill__course=1))
    assert res.exact_overall_score == Fraction(221, 3)
    assert round_score(res.exact_overall_score) == D("73.67")
    assert res.overall_stars == 3


def test_step7_weighted_compares_exactly():
    # (2*80 + 50) / 3 = 70 exactly: reaches the 3-star threshold 70
    (res,) = run(two_dims(), student("s", skill__course=-10))
    assert res.overall_score == 70 and res.overall_stars == 3
    # threshold 73.67 is above 73.666...
    (res,) = run(two_dims(thresholds={"3": 73.67, "2": 73.66}), student("s", skill__course=1))
    assert res.overall_stars == 2


def test_step6_star_sum_uses_stars_after_dimension_quota():
    doc = two_dims("star_sum", thresholds={"5": 10, "4": 8, "3": 6, "2": 4, "1": 1})
    doc["dimensions"][0]["quota"] = {"5": 50}
    a, b = run(doc, student("a", moral__service=15), student("b", moral__service=15, skill__course=30))
    # both moral 95 (tie, 2 > 1 place) -> 4 stars; skills 60 (2) and 90 (5)
    assert (a.overall_score, a.overall_stars) == (6, 3)
    assert (b.overall_score, b.overall_stars) == (9, 4)


def test_step7_min_stars_takes_the_lowest():
    (res,) = run(two_dims("min_stars"), student("s", moral__service=15))
    assert res.overall_score is None and res.overall_stars == 2 and res.min_dimension == "skill"
    assert res.exact_overall_score is None


# step 8 ------------------------------------------------------------------------------


def test_step8_requirement_can_fall_several_levels():
    doc = two_dims(require=[{"stars": 5, "all_dimensions_at_least": 4}, {"stars": 3, "all_dimensions_at_least": 3}])
    # ok: moral 95 (5), skill 90 (5): 93.33 -> 5 stars
    # low: moral 95 (5), skill 65 (2): (190 + 65) / 3 = 85 -> 4; level 3 needs all >= 3 -> 2
    ok, low = run(doc, student("ok", moral__service=15, skill__course=30),
                  student("low", moral__service=15, moral__discipline=0, skill__course=5))
    assert ok.overall_stars == 5 and ok.failed_requirement is None
    assert low.overall_threshold_stars == 4 and low.overall_stars == 2
    assert low.failed_requirement.stars == 3


def test_step8_requirement_holds_for_higher_level_only():
    doc = two_dims(require=[{"stars": 5, "all_dimensions_at_least": 4}])
    (res,) = run(doc, student("s", moral__service=15, skill__course=15))
    # moral 95 (5), skill 75 (3): score 88.3 -> 4 stars, requirement for 5 does not apply
    assert res.overall_stars == 4 and res.failed_requirement is None


# step 9 ------------------------------------------------------------------------------


def test_step9_overall_caps_minimum_and_before_quota():
    doc = two_dims(quota={"5": 50}, quota_scope="school")
    doc["caps"] = [{"name": "warn", "flag": "w", "overall_max": 4}, {"name": "dem", "flag": "d", "overall_max": 1}]
    a, b, c = run(doc, student("a", flags=["w"], moral__service=20, skill__course=40),
                  student("b", moral__service=15, skill__course=30),
                  student("c", flags=["w", "d"], moral__service=20, skill__course=40))
    assert (a.overall_stars, a.overall_cap) == (4, "warn")
    assert (c.overall_stars, c.overall_cap) == (1, "dem")
    assert b.overall_stars == 5  # the capped a takes no quota place (limit 1)


# step 10 -----------------------------------------------------------------------------


def test_step10_overall_quota_ranks_by_overall_score():
    doc = two_dims(quota={"5": 34}, quota_scope="grade")
    r = run(doc, student("a", grade="1", moral__service=15, skill__course=40),
            student("b", grade="1", moral__service=15, skill__course=35),
            student("c", grade="1", moral__service=15, skill__course=30),
            student("d", grade="2", moral__service=15, skill__course=30))
    assert [x.overall_stars for x in r] == [5, 4, 4, 4]  # grade 1: 1 place; grade 2: 0 places
    assert r[1].overall_quota_drops[0].group == "1"


# step 11 -----------------------------------------------------------------------------


def test_step11_titles_on_final_stars_in_file_order():
    doc = two_dims(quota={"5": 50}, quota_scope="school")
    doc["titles"] = [{"name": "技能之星", "dimension": "skill", "at_least": 5},
                     {"name": "五星", "overall_at_least": 5}, {"name": "any", "overall_at_least": 0}]
    a, b = run(doc, student("a", moral__service=15, skill__course=40), student("b", moral__service=15,
                                                                             skill__course=35))
    assert a.titles == ["技能之星", "五星", "any"]
    assert b.titles == ["技能之星", "any"]  # 5 stars dropped by quota


def test_input_order_kept_and_empty_input():
    rules = rules_from(two_dims())
    assert evaluate(rules, []) == []
    r = evaluate(rules, [student(str(i), skill__course=i) for i in range(5)])
    assert [x.id for x in r] == ["0", "1", "2", "3", "4"]


# explanations ------------------------------------------------------------------------


def test_explain_zh_and_en_name_threshold_and_next_star():
    rules = load_rules((EXAMPLES / "worked" / "rules.toml").read_bytes())
    a, b, c, d = evaluate(rules, [student("A", moral__service=20), student("B", moral__discipline=-50),
                                  student("C", flags=["sanction.demerit"], moral__service=6), student("D")])
    assert c.explain()[0] == "思想品德 86 分，达到 4 星线 85 分；再得 9 分可达 5 星（95 分）"
    assert "记过" in c.explain()[1] and "1 星" in c.explain()[1]
    assert "已是最高星级" in a.explain()[0]
    assert "reaching the 4-star threshold 85" in c.explain("en")[0]
    assert "9 more points reach 5 stars (95)" in c.explain("en")[0]
    assert b.dimensions["moral"].next_star.points_needed == 20  # raw 40 -> 60
    assert d.dimensions["moral"].next_star.points_needed == 5
    with pytest.raises(ValueError):
        a.explain("fr")


def test_next_star_points_needed_counts_from_the_raw_sum():
    doc = one_dim(dim={"indicators": [{"key": "b", "name": "B"}]})
    (res,) = run(doc, student("s", d__b=-70))  # raw -20, score 0
    ns = res.dimensions["d"].next_star
    assert ns.reachable and ns.level == 1 and ns.points_needed == 60


def test_next_star_reasons():
    doc = one_dim(
        dim={"base": 60, "thresholds": {"5": 120, "3": 75, "2": 60},
             "indicators": [{"key": "a", "name": "A", "min": -10, "max": 10}]},
        caps=[{"name": "cap2", "flag": "c", "dimension": "d", "max_stars": 2},
              {"name": "fix", "flag": "x", "dimension": "d", "score": 65}],
    )
    rs = run(doc, student("capped", flags=["c"], d__a=10), student("fixed", flags=["x"]),
             student("head", d__a=0), student("ok", d__a=-10))
    ns = {r.id: r.dimensions["d"].next_star for r in rs}
    assert ns["capped"].reason == "capped" and ns["capped"].cap == "cap2"
    assert ns["fixed"].reason == "score_fixed" and ns["fixed"].points_needed is None
    assert ns["head"].reason == "headroom" and ns["head"].points_needed == 15 and ns["head"].headroom == 10
    assert not ns["head"].reachable
    assert ns["ok"].reason == "reachable" and ns["ok"].points_needed == 10 and ns["ok"].level == 2
    assert "无法达到" in rs[2].explain()[0] and "cannot be reached" in rs[2].explain("en")[0]
    doc["dimensions"][0]["thresholds"] = {"5": 120, "3": 70}
    (above,) = run(doc, student("above", d__a=10))
    ns = above.dimensions["d"].next_star
    assert ns.reason == "above_max" and ns.level == 5 and ns.threshold == 120
    assert "高于本维度满分 100 分" in above.explain()[0]
    for r in (*rs, above):
        assert r.explain()[0] and r.explain("en")[0]


def test_next_star_at_max_no_threshold_and_quota():
    doc = one_dim(dim={"thresholds": {"3": 70, "2": 60}, "quota": {"3": 50}}, max_stars=5)
    a, b, c = run(doc, student("a", d__b=20), student("b", d__b=20), student("c", d__b=10))
    assert a.dimensions["d"].stars == 2 and a.dimensions["d"].next_star.reason == "quota"
    assert "名额" in a.explain()[0] and "不保证" in a.explain()[0]
    assert c.dimensions["d"].next_star.reason == "reachable" and c.dimensions["d"].next_star.quota_limited
    assert "未必" in c.explain()[0]
    doc = one_dim(dim={"thresholds": {"3": 70, "2": 60}})
    (d,) = run(doc, student("d", d__b=20))
    assert d.dimensions["d"].next_star.reason == "no_threshold" and d.dimensions["d"].next_star.level == 4
    doc = one_dim(max_stars=3, dim={"thresholds": {"3": 70, "2": 60}})
    (e,) = run(doc, student("e", d__b=20))
    assert e.dimensions["d"].next_star.reason == "at_max"


def test_reasons_are_structured():
    doc = two_dims(require=[{"stars": 5, "all_dimensions_at_least": 4}], quota={"4": 50}, quota_scope="school")
    doc["caps"] = [{"name": "dcap", "flag": "f", "dimension": "skill", "max_stars": 1}]
    a, b = run(doc, student("a", moral__service=15, skill__course=30),
               student("b", flags=["f"], moral__service=15, skill__course=30))
    assert [r.code for r in a.dimensions["moral"].reasons] == ["threshold"]
    assert [r.code for r in b.dimensions["skill"].reasons] == ["threshold", "cap"]
    assert [r.code for r in b.overall_reasons] == ["threshold", "requirement"]
    assert b.overall_stars == 4 and a.overall_stars == 5
    assert "5 星要求各维度均不低于 4 星" in b.explain()[-1]


def test_round_score_half_away_from_zero():
    assert round_score(D("1.005")) == D("1.01")
    assert round_score(D("-1.005")) == D("-1.01")
    assert round_score(Fraction(1, 3)) == D("0.33")
    assert round_score(Fraction(-2, 3)) == D("-0.67")
    assert round_score(Fraction(1005, 1000)) == D("1.01")


def test_found_9_one_point_short_reads_singular_in_english():
    """Issue 13, found 9: English said "1 more points"."""
    rules = load_rules((EXAMPLES / "worked" / "rules.toml").read_bytes())
    [c] = evaluate(rules, [student("C", flags=["sanction.demerit"], moral__service=14)])
    assert c.dimensions["moral"].next_star.points_needed == 1
    assert "1 more point reaches 5 stars (95)" in c.explain("en")[0]
    assert "再得 1 分可达 5 星（95 分）" in c.explain()[0]

"""The bundled default 细则 is valid and gives a believable spread of stars."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from starrating.cli.rules import rules_cli
from starrating.rules import StudentInput, aggregate_entries, evaluate, load_default_rules

from .helpers import student

DEFAULT = Path(__file__).resolve().parents[2] / "starrating" / "rules" / "default.toml"


def test_default_rules_pass_check():
    result = CliRunner().invoke(rules_cli, ["check", str(DEFAULT)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("OK: 2026—2027学年第一学期 学生综合素质星级评价细则: 4 dimensions")


def test_default_rules_shape():
    rules = load_default_rules()
    assert [d.key for d in rules.dimensions] == ["moral", "skill", "club", "labor"]
    assert {"moral.attendance", "moral.discipline", "moral.dormitory", "moral.service", "skill.course",
            "skill.competition", "skill.certificate", "club.membership", "club.activity", "club.role",
            "club.award", "labor.hours", "labor.duty", "labor.practice"} <= set(rules.indicator_keys())
    assert rules.dimension("club").indicator("membership").items[0].points == 5
    assert {c.flag for c in rules.caps if c.flag} == {"sanction.warning", "sanction.serious_warning",
                                                      "sanction.demerit", "sanction.probation"}
    assert [t.name for t in rules.titles] == ["五星级学生", "德育之星", "技能之星", "社团之星", "劳动之星"]
    for dim in rules.dimensions:
        for ind in dim.indicators:
            assert ind.items, f"{dim.key}.{ind.key} has no catalogue"


def test_no_entries_lands_at_two_or_three_stars():
    (res,) = evaluate(load_default_rules(), [student("s")])
    assert 2 <= res.overall_stars <= 3
    assert res.dimensions["club"].stars == 1  # not in any club


def test_sanctions_cap_the_overall_and_moral():
    rules = load_default_rules()
    good = {"moral__service": 10, "moral__honor": 10, "skill__competition": 30, "skill__certificate": 12,
            "club__membership": 5, "club__role": 10, "club__award": 15, "club__activity": 15, "labor__hours": 20,
            "labor__practice": 15, "labor__duty": 10}
    flags = [None, "sanction.warning", "sanction.serious_warning", "sanction.demerit", "sanction.probation"]
    fillers = [student(f"x{i}") for i in range(2)]  # 7 in the grade: one 5-star place (15 %)
    results = evaluate(rules, [student(f"s{i}", flags=[f] if f else [], **good) for i, f in enumerate(flags)]
                       + fillers)
    assert [r.overall_stars for r in results] == [5, 4, 3, 2, 1, 2, 2]
    assert [r.dimensions["moral"].stars for r in results][:5] == [5, 5, 5, 2, 1]
    assert results[0].titles == ["五星级学生", "德育之星", "技能之星", "社团之星", "劳动之星"]


def plausible_students(n: int, seed: int = 7) -> list[StudentInput]:
    """Students with entries drawn from the catalogue, a few sanctions, six classes."""
    rng = random.Random(seed)
    rules = load_default_rules()
    catalogue = [(f"{d.key}.{i.key}", item.points) for d in rules.dimensions for i in d.indicators
                 for item in i.items if not (d.key == "club" and i.key == "membership")]
    out = []
    for k in range(n):
        activity = rng.random()
        rows = [("club.membership", Decimal(5))] * rng.choice([0, 1, 1, 2])
        rows += [rng.choice(catalogue) for _ in range(int(activity * 40))]
        rows += [("skill.course", Decimal(rng.randint(-4, 12)))]
        flags = frozenset({rng.choice(["sanction.warning", "sanction.demerit"])} if rng.random() < 0.05 else ())
        out.append(StudentInput(f"2024{k:04d}", f"24机电{k % 6 + 1}班", "2024", flags, aggregate_entries(rows)))
    return out


def test_random_school_spreads_over_three_levels_or_more():
    results = evaluate(load_default_rules(), plausible_students(240))
    levels = Counter(r.overall_stars for r in results)
    assert len(levels) >= 3, levels
    fives = levels.get(5, 0)
    assert fives <= 240 * 15 // 100  # the grade quota holds
    for r in results:
        assert r.explain() and r.explain("en")

"""The demo school with the default 细则 gives a plausible spread of stars."""

from __future__ import annotations

from collections import Counter

from starrating.services.scoring import evaluate_term
from starrating.services.terms import find_term


def test_demo_school_has_a_plausible_spread_of_stars(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    results = evaluate_term(find_term(None))
    assert len(results) == 240
    overall = Counter(r.overall_stars for r in results.values())
    assert len(overall) >= 3, overall
    assert max(overall.values()) < 0.8 * 240, overall  # not everyone at one level
    for key in ("moral", "skill", "club", "labor"):
        levels = Counter(r.dimensions[key].stars for r in results.values())
        assert len(levels) >= 3, (key, levels)
    # students in no club are held down by the cap, without anyone typing an entry
    assert any(r.dimensions["club"].stars <= 1 for r in results.values())


def test_rules_eval_cli_on_demo_students_gives_a_spread(runner, tmp_path):
    """`rules eval` with the shipped default 细则 on the demo school's students."""
    import json
    from importlib import resources

    from starrating.services.scoring import collect_inputs

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    collected = collect_inputs(find_term(None))
    students = [{"id": s.id, "class": s.class_, "grade": s.grade, "flags": sorted(s.flags),
                 "entries": [{"indicator": k, "points": float(v)} for k, v in s.totals.items()]}
                for s in collected.inputs[:120]]
    path = tmp_path / "students.json"
    path.write_text(json.dumps({"students": students}, ensure_ascii=False), encoding="utf-8")
    rules = resources.files("starrating.rules").joinpath("default.toml")
    result = runner.invoke(args=["rules", "eval", str(rules), str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)["students"]
    assert [s["id"] for s in out] == [s["id"] for s in students]  # input order kept
    assert len(Counter(s["overall"]["stars"] for s in out)) >= 3

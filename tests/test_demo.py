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

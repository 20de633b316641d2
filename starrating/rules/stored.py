"""A result's structured reasons in a compact, JSON-safe form, and the result rebuilt from them.

The app stores these reasons (:meth:`StudentResult.reasons_json`, the text of
:func:`reasons`) with each result instead of the explanation text, and renders
the text in the reader's language when a page shows it: :func:`restore` rebuilds a
:class:`StudentResult` that :func:`~.explain.explain_student` and
:attr:`DimensionResult.next_star` read exactly as they read the evaluated one, so the text
is the same sentence for sentence. The reasons are what the explanation needs and the
rules do not give: the exact scores, which caps matched, the quota drops, the levels after
each step. Everything else (thresholds reached, the weakest dimension, names, the next
star) comes from the same rule version when the result is restored.

Form (version 1), dimensions in the rule file's order, exact numbers as text::

    {"v": 1,
     "d": [[raw, score, threshold_stars, stars, score_cap, cap_max, cap, drops], ...],
     "o": [rank, threshold_stars, required_stars, requirement, cap_max, cap, stars, drops]}

``score`` is null when it equals ``raw``; ``rank`` is the overall score's exact numerator
(null for min_stars); ``requirement`` the failed one as ``[stars, all_dimensions_at_least]``;
a drop is ``[level, limit, percent, scope, group, group_size]``. Everything here is a
function of what :meth:`StudentResult.fingerprint` digests (with the same rule version).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from decimal import Decimal

from .engine import REASONS_FORMAT as FORMAT
from .engine import DimensionResult, QuotaDrop, StudentInput, StudentResult, _Dim
from .model import Requirement, RuleSet
from .numbers import CONTEXT as _CTX
from .numbers import ZERO


def _drops(drops: tuple[QuotaDrop, ...]) -> list:
    return [[q.level, q.limit, str(q.percent), q.scope, q.group, q.group_size] for q in drops]


def reasons(res: StudentResult) -> dict:
    """The compact reasons of one evaluated student (see the module docstring), as Python
    values: what ``json.loads(res.reasons_json())`` gives (the app stores that text)."""
    dims = []
    for d in res.dimensions.values():
        raw = d.raw_score
        score = d.score
        dims.append([str(raw), None if score == raw else str(score), d.threshold_stars, d.stars,
                     d.score_cap, d.cap_max, d.cap, _drops(d.quota_drops) if d.quota_drops else None])
    req = res.failed_requirement
    overall = [None if res._method == "min_stars" else str(res._rank), res.overall_threshold_stars,
               res.required_stars, None if req is None else [req.stars, req.all_dimensions_at_least],
               res.overall_cap_max, res.overall_cap, res.overall_stars,
               _drops(res.overall_quota_drops) if res.overall_quota_drops else None]
    return {"v": FORMAT, "d": dims, "o": overall}


def is_reasons(data: object) -> bool:
    """True for stored reasons (as opposed to an older row's rendered text)."""
    return isinstance(data, Mapping) and data.get("v") == FORMAT


class _Prepared:
    """What restoring needs of one rule set, built once per rule set."""

    __slots__ = ("rules", "specs", "names_en", "weight_sum")

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.specs = [_Dim(i, d, rules.caps) for i, d in enumerate(rules.dimensions)]
        self.names_en = {t.name: t.name_en for t in (*rules.caps, *rules.titles) if t.name_en}
        self.weight_sum = sum((s.weight for s in self.specs), ZERO)


_prepared: dict[int, _Prepared] = {}


def _prepare(rules: RuleSet) -> _Prepared:
    cached = _prepared.get(id(rules))
    if cached is not None and cached.rules is rules:
        return cached
    if len(_prepared) > 64:  # rule sets are few; bounded anyway
        _prepared.clear()
    cached = _prepared[id(rules)] = _Prepared(rules)  # holding `rules` keeps its id unique
    return cached


def _undrops(rows) -> tuple[QuotaDrop, ...]:
    if not rows:
        return ()
    return tuple(QuotaDrop(lv, limit, Decimal(pct), scope, group, size)
                 for lv, limit, pct, scope, group, size in rows)


def restore(rules: RuleSet, data: Mapping, titles: Sequence[str], student_id: str = "",
            class_: str = "", grade: str = "") -> StudentResult:
    """The student's result rebuilt from its stored reasons under the same rule version:
    ``explain(lang)`` and every dimension's ``next_star`` give what the evaluated result gave.
    ValueError when the reasons do not fit the rules."""
    if not is_reasons(data):
        raise ValueError("not stored reasons of a known format")
    prep = _prepare(rules)
    rows = data["d"]
    if len(rows) != len(prep.specs):
        raise ValueError("the reasons do not fit these rules (dimensions differ)")
    with decimal.localcontext(_CTX):
        dims = {}
        for spec, (raw, score, th_stars, stars, score_cap, cap_max, cap, drops) in zip(
                prep.specs, rows, strict=True):
            raw_score = Decimal(raw)
            r = DimensionResult(spec, {}, raw_score, rules.max_stars)
            r.computed_score = min(max(raw_score, ZERO), spec.max)
            r.score = raw_score if score is None else Decimal(score)
            r.score_cap = score_cap
            r.threshold_stars = th_stars
            r.threshold = spec.dim.thresholds[th_stars] if th_stars else None
            r.cap_max = cap_max
            r.cap = cap
            r.stars = stars
            r.quota_drops = _undrops(drops)
            dims[spec.key] = r
        res = StudentResult(StudentInput(student_id, class_, grade), dims)
        rank, th_stars, required, req, cap_max, cap, stars, drops = data["o"]
        overall = rules.overall
        method = res._method = overall.method
        if method == "min_stars":
            res.min_dimension = min(dims.values(), key=lambda d: d.stars).key if dims else None
        else:
            res._rank = Decimal(rank)
            if method == "weighted":
                res._weight_sum = prep.weight_sum
                res.overall_score = res._rank / prep.weight_sum
            else:
                res.overall_score = res._rank
            res.overall_threshold = overall.thresholds[th_stars] if th_stars else None
        res.overall_threshold_stars = th_stars
        res.failed_requirement = None if req is None else Requirement(req[0], req[1])
        res.required_stars = required
        res.overall_cap_max = cap_max
        res.overall_cap = cap
        res.overall_stars = stars
        res.overall_quota_drops = _undrops(drops)
        res.titles = list(titles)
        if prep.names_en:
            res._names_en = prep.names_en
    return res

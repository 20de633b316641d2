"""Evaluate a rule set for a term's students: the 11 steps of rules.md, exactly.

The app aggregates entries in SQL, so a student arrives as per-indicator point sums
(:class:`StudentInput.totals`, keyed ``dimension.indicator``; a missing key is 0, an
unknown key is ignored). All arithmetic is on :class:`~decimal.Decimal` values in a
60-digit context, so sums of cent amounts are exact. The weighted overall score is
compared and ranked through its exact numerator ``sum(weight × score)`` (the common
denominator ``sum(weight)`` is the same for everyone); the ``overall_score`` shown is
that quotient to 60 digits, and :func:`round_score` rounds it exactly.

Results are plain objects built once per evaluation. The structured reasons are kept as
fields (which threshold, cap, requirement or quota decided each level); the text and
the next-star advice (:class:`NextStar`) are derived from them on demand, so a bulk
evaluation does not pay for explanations nobody reads.

Next star (rules.md is silent; what a school expects): the target is the lowest level
above the current stars that has a threshold. ``points_needed`` is counted on the
dimension score before its ``[0, max]`` clamp (so a student far below 0 needs the
points that lift the raw sum), i.e. the smallest extra points that reach the target
threshold. It is not reachable when: the student is at ``max_stars`` (``at_max``); a
cap fixes the score (``score_fixed``) or holds the stars (``capped``); no higher level
has a threshold (``no_threshold``); the threshold is above the dimension max
(``above_max``); or the remaining headroom of the indicators (sum over indicators of
``max − subtotal``; unlimited when an indicator has no max) cannot cover it
(``headroom``). A student whose score already reaches the next threshold but who lost a
quota place gets ``quota`` with no point figure, since more points only improve the
rank. When the target level has a quota, ``quota_limited`` warns that reaching the
threshold may still not suffice.
"""

from __future__ import annotations

import decimal
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .explain import explain_student
from .model import Cap, Dimension, Overall, Requirement, RuleSet, Title
from .numbers import CONTEXT as _CTX
from .numbers import ZERO

_INF = Decimal("Infinity")
_NEG_INF = Decimal("-Infinity")


@dataclass(frozen=True, slots=True)
class StudentInput:
    """One student of the term: group fields, flags and per-indicator point sums."""

    id: str
    class_: str
    grade: str
    flags: frozenset[str] = frozenset()
    totals: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuotaDrop:
    """A quota refused this student a place at ``level``; they went to ``level − 1``."""

    level: int
    limit: int
    percent: Decimal
    scope: str
    group: str
    group_size: int


@dataclass(frozen=True, slots=True)
class NextStar:
    """What the next star of a dimension needs.

    ``reason`` is ``reachable`` (``points_needed`` more points reach ``level`` at
    ``threshold``), or why not: ``at_max``, ``capped``, ``score_fixed``,
    ``no_threshold``, ``above_max``, ``headroom``, ``quota``.
    """

    reason: str
    level: int | None = None
    threshold: Decimal | None = None
    points_needed: Decimal | None = None
    quota_limited: bool = False
    cap: str | None = None
    headroom: Decimal | None = None

    @property
    def reachable(self) -> bool:
        return self.reason == "reachable"


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """An indicator's raw point sum and its subtotal after the ``[min, max]`` clamp."""

    key: str
    name: str
    raw: Decimal
    subtotal: Decimal


@dataclass(frozen=True, slots=True)
class Reason:
    """One step that set a star level, for the explanation.

    ``code``: ``threshold`` / ``below_thresholds`` (step 3 or 7), ``min_stars`` (step 7,
    ``subject`` is the weakest dimension), ``score_cap`` (step 2), ``cap`` (step 4 or 9),
    ``requirement`` (step 8), ``quota`` (step 5 or 10). ``stars`` is the level after
    the step.
    """

    code: str
    stars: int
    level: int | None = None
    value: Decimal | None = None
    subject: str | None = None
    quota: QuotaDrop | None = None


class _Dim:
    """Per-ruleset precomputation for one dimension."""

    __slots__ = (
        "index", "key", "name", "dim", "base_eff", "max", "weight", "thr_desc", "thr_asc",
        "inds", "score_caps", "star_caps", "quota_desc", "scope", "bounded_max",
        "sum_max",
    )

    def __init__(self, index: int, dim: Dimension, caps: Sequence[Cap]):
        self.index = index
        self.key = dim.key
        self.name = dim.name
        self.dim = dim
        self.max = dim.max
        self.weight = dim.weight
        self.thr_desc = sorted(dim.thresholds.items(), reverse=True)
        self.thr_asc = sorted(dim.thresholds.items())
        base = dim.base
        inds = []
        for ind in dim.indicators:
            lo = _NEG_INF if ind.min is None else ind.min
            hi = _INF if ind.max is None else ind.max
            zero = min(max(ZERO, lo), hi)
            base += zero
            inds.append((f"{dim.key}.{ind.key}", lo, hi, zero))
        # the sum of every subtotal's value when absent is folded into the base
        self.base_eff = base
        self.inds = tuple(inds)
        self.bounded_max = all(ind.max is not None for ind in dim.indicators)
        # base + the sum of every indicator's ceiling: the most the dimension can reach
        self.sum_max = dim.base + sum((hi for _k, _lo, hi, _z in inds), ZERO) if self.bounded_max else None
        self.score_caps = [c for c in caps if c.dimension == dim.key and c.score is not None]
        self.star_caps = [c for c in caps if c.dimension == dim.key and c.max_stars is not None]
        self.quota_desc = sorted(dim.quota.items(), reverse=True)
        self.scope = dim.quota_scope


class DimensionResult:
    """A dimension's score and stars for one student, with what decided them."""

    __slots__ = (
        "key", "name", "raw_score", "computed_score", "score", "score_cap",
        "threshold_stars", "threshold", "cap_max", "cap", "stars", "quota_drops",
        "_spec", "_totals", "_max_stars", "_next",
    )

    def __init__(self, spec: _Dim, totals: Mapping[str, Decimal], raw_score: Decimal, max_stars: int):
        self.key = spec.key
        self.name = spec.name
        #: base + indicator subtotals, before the [0, max] clamp
        self.raw_score = raw_score
        #: after the clamp, before any score cap
        self.computed_score = raw_score
        self.score = raw_score
        #: name of the cap that replaced the score, if any
        self.score_cap: str | None = None
        #: stars from the thresholds alone (step 3) and the threshold value reached
        self.threshold_stars = 0
        self.threshold: Decimal | None = None
        #: the lowest matching star cap (step 4), whether or not it lowered the stars
        self.cap_max: int | None = None
        self.cap: str | None = None
        #: final stars (after the quota)
        self.stars = 0
        self.quota_drops: tuple[QuotaDrop, ...] = ()
        self._spec = spec
        self._totals = totals
        self._max_stars = max_stars
        self._next: NextStar | None = None

    def __repr__(self) -> str:
        return f"DimensionResult({self.key!r}, score={self.score}, stars={self.stars})"

    @property
    def weight(self) -> Decimal:
        return self._spec.weight

    @property
    def max(self) -> Decimal:
        return self._spec.max

    @property
    def capped_stars(self) -> int:
        """Stars after step 4 (thresholds and caps), before the quota."""
        if self.cap_max is None:
            return self.threshold_stars
        return min(self.threshold_stars, self.cap_max)

    @property
    def indicators(self) -> dict[str, IndicatorResult]:
        """Per indicator (full key): raw point sum and clamped subtotal."""
        out = {}
        get = self._totals.get
        for ind, (key, lo, hi, _zero) in zip(self._spec.dim.indicators, self._spec.inds, strict=True):
            raw = get(key, ZERO)
            out[key] = IndicatorResult(key, ind.name, raw, min(max(raw, lo), hi))
        return out

    @property
    def reasons(self) -> list[Reason]:
        """The steps that set this dimension's stars, in evaluation order."""
        out = []
        if self.score_cap is not None:
            out.append(Reason("score_cap", self.threshold_stars, value=self.score, subject=self.score_cap))
        if self.threshold is None:
            lowest = self._spec.thr_asc[0] if self._spec.thr_asc else (None, None)
            out.append(Reason("below_thresholds", 0, level=lowest[0], value=lowest[1]))
        else:
            out.append(Reason("threshold", self.threshold_stars, level=self.threshold_stars, value=self.threshold))
        if self.cap_max is not None and self.cap_max < self.threshold_stars:
            out.append(Reason("cap", self.cap_max, level=self.cap_max, subject=self.cap))
        stars = self.capped_stars
        for drop in self.quota_drops:
            stars = drop.level - 1
            out.append(Reason("quota", stars, level=drop.level, value=drop.percent, quota=drop))
        return out

    @property
    def next_star(self) -> NextStar:
        """How the next star can be reached, or why it cannot (computed once, when read
        after evaluation: the explanation in two languages and the stored summary all ask)."""
        if self._next is None:
            self._next = self._compute_next_star()
        return self._next

    def _compute_next_star(self) -> NextStar:
        spec = self._spec
        stars = self.stars
        if stars >= self._max_stars:
            return NextStar("at_max")
        if self.score_cap is not None:
            return NextStar("score_fixed", cap=self.score_cap)
        if self.cap_max is not None and self.cap_max <= stars:
            return NextStar("capped", level=stars + 1, cap=self.cap)
        target = next(((lv, t) for lv, t in spec.thr_asc if lv > stars), None)
        if target is None:
            return NextStar("no_threshold", level=stars + 1)
        level, threshold = target
        if self.cap_max is not None and level > self.cap_max:
            return NextStar("capped", level=level, threshold=threshold, cap=self.cap)
        quota_limited = any(lv == level for lv, _q in spec.quota_desc)
        if self.score >= threshold:
            return NextStar("quota", level=level, threshold=threshold, quota_limited=True)
        if threshold > spec.max:
            return NextStar("above_max", level=level, threshold=threshold)
        needed = _CTX.subtract(threshold, self.raw_score)
        if not spec.bounded_max:
            headroom = None
        else:
            # raw_score is base + the clamped subtotals, so what is left below every
            # indicator's ceiling is the ceilings' sum minus that (no loop per indicator)
            headroom = _CTX.subtract(spec.sum_max, self.raw_score)
            if headroom < needed:
                return NextStar("headroom", level=level, threshold=threshold, points_needed=needed, headroom=headroom)
        return NextStar("reachable", level=level, threshold=threshold, points_needed=needed,
                        quota_limited=quota_limited, headroom=headroom)


class StudentResult:
    """One student's dimension results, overall score and stars, and titles."""

    __slots__ = (
        "id", "class_", "grade", "dimensions", "overall_score", "overall_threshold_stars",
        "overall_threshold", "min_dimension", "failed_requirement", "required_stars",
        "overall_cap_max", "overall_cap", "overall_stars", "overall_quota_drops", "titles",
        "_rank", "_method", "_weight_sum", "_names_en", "_reasons",
    )

    def __init__(self, student: StudentInput, dimensions: dict[str, DimensionResult]):
        self.id = student.id
        self.class_ = student.class_
        self.grade = student.grade
        self.dimensions = dimensions
        #: weighted: sum(w×score)/sum(w); star_sum: the star sum; min_stars: None
        self.overall_score: Decimal | None = None
        #: step 7: stars from the thresholds (or the weakest dimension for min_stars)
        self.overall_threshold_stars = 0
        self.overall_threshold: Decimal | None = None
        self.min_dimension: str | None = None
        #: step 8: the requirement that lowered the stars, and the stars after it
        self.failed_requirement: Requirement | None = None
        self.required_stars = 0
        #: step 9: the lowest matching overall cap, whether or not it lowered the stars
        self.overall_cap_max: int | None = None
        self.overall_cap: str | None = None
        self.overall_stars = 0
        self.overall_quota_drops: tuple[QuotaDrop, ...] = ()
        self.titles: list[str] = []
        self._rank: Decimal = ZERO
        self._method = "weighted"
        self._weight_sum = Decimal(1)
        #: English names of caps and titles ({name: name_en}), for the English explanation only
        self._names_en: Mapping[str, str] = {}
        self._reasons: str | None = None

    def __repr__(self) -> str:
        return f"StudentResult({self.id!r}, overall_stars={self.overall_stars}, titles={self.titles!r})"

    @property
    def overall_reasons(self) -> list[Reason]:
        """The steps that set the overall stars, in evaluation order."""
        out = []
        if self._method == "min_stars":
            out.append(Reason("min_stars", self.overall_threshold_stars, subject=self.min_dimension))
        elif self.overall_threshold is None:
            out.append(Reason("below_thresholds", 0))
        else:
            out.append(Reason("threshold", self.overall_threshold_stars, level=self.overall_threshold_stars,
                              value=self.overall_threshold))
        if self.failed_requirement is not None:
            out.append(Reason("requirement", self.required_stars, level=self.failed_requirement.stars,
                              value=Decimal(self.failed_requirement.all_dimensions_at_least)))
        if self.overall_cap_max is not None and self.overall_cap_max < self.required_stars:
            out.append(Reason("cap", self.overall_cap_max, level=self.overall_cap_max, subject=self.overall_cap))
        for drop in self.overall_quota_drops:
            out.append(Reason("quota", drop.level - 1, level=drop.level, value=drop.percent, quota=drop))
        return out

    @property
    def overall_method(self) -> str:
        return self._method

    @property
    def exact_overall_score(self) -> Fraction | None:
        """The overall score as an exact fraction (None for min_stars)."""
        if self._method == "min_stars":
            return None
        return Fraction(self._rank) / Fraction(self._weight_sum)

    def reasons_json(self) -> str:
        """The structured reasons the explanation and the next-star advice are rendered from,
        as compact JSON text (format in rules/stored.py; :func:`~.stored.restore` rebuilds
        the result from it). Built once per result: it is also what :meth:`fingerprint`
        digests."""
        if self._reasons is None:
            self._reasons = _reasons_json(self)
        return self._reasons

    def fingerprint(self) -> str:
        """A short digest of everything the stored result, its explanation and its next-star
        advice depend on (with the same rule file): equal digests, equal stored results.
        It digests the structured reasons (every dimension's scores, caps, levels and quota
        drops; the overall score's numerator, levels, requirement, cap and drops) with the
        student's class, grade and titles. Lets the app skip re-rendering and re-writing
        students whose results did not change."""
        state = "\x1f".join((self.class_, self.grade, self.reasons_json(), "\x1e".join(self.titles)))
        return hashlib.blake2b(state.encode(), digest_size=16).hexdigest()

    def explain(self, lang: str = "zh") -> list[str]:
        """Human-readable reasons, one line per dimension, then overall and titles."""
        return explain_student(self, lang)


#: the version of the stored reasons' form (rules/stored.py)
REASONS_FORMAT = 1


def _json_str(value: str | None, _memo: dict[str | None, str] = {None: "null"}) -> str:  # noqa: B006
    """A cap name as JSON (memoised: a rule file has few names)."""
    text = _memo.get(value)
    if text is None:
        text = _memo[value] = json.dumps(value, ensure_ascii=False)
        if len(_memo) > 4096:
            _memo.clear()
            _memo[None] = "null"
    return text


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def _drops_json(drops: tuple[QuotaDrop, ...]) -> str:
    if not drops:
        return "null"
    return json.dumps([[q.level, q.limit, str(q.percent), q.scope, q.group, q.group_size] for q in drops],
                      ensure_ascii=False, separators=(",", ":"))


def _reasons_json(res: StudentResult) -> str:
    """rules/stored.py's form as compact JSON text, built by hand (it is the one JSON value
    written for every student of a term, so json.dumps of nested lists would be most of
    the cost). Decimal texts need no escaping."""
    dims = []
    for d in res.dimensions.values():
        raw = d.raw_score
        score = d.score
        score_text = "null" if score == raw else '"' + str(score) + '"'
        if d.score_cap is None and d.cap is None and not d.quota_drops:  # most students
            tail = "null,null,null,null"
        else:
            tail = (f"{_json_str(d.score_cap)},{_json_int(d.cap_max)},{_json_str(d.cap)},"
                    f"{_drops_json(d.quota_drops)}")
        dims.append(f'["{raw}",{score_text},{d.threshold_stars},{d.stars},{tail}]')
    req = res.failed_requirement
    rank = "null" if res._method == "min_stars" else f'"{res._rank}"'
    req_text = "null" if req is None else f"[{req.stars},{req.all_dimensions_at_least}]"
    return (f'{{"v":{REASONS_FORMAT},"d":[{",".join(dims)}],"o":[{rank},{res.overall_threshold_stars},'
            f"{res.required_stars},{req_text},{_json_int(res.overall_cap_max)},{_json_str(res.overall_cap)},"
            f"{res.overall_stars},{_drops_json(res.overall_quota_drops)}]}}")


def evaluate(ruleset: RuleSet, students: Sequence[StudentInput]) -> list[StudentResult]:
    """Evaluate every student of a term (quotas count among all of them); input order kept."""
    with decimal.localcontext(_CTX):
        return _evaluate(ruleset, students)


def _evaluate(ruleset: RuleSet, students: Sequence[StudentInput]) -> list[StudentResult]:
    """The steps of rules.md in their order; each step is the function named after it."""
    specs = [_Dim(i, d, ruleset.caps) for i, d in enumerate(ruleset.dimensions)]
    matched = [_matching_caps(ruleset.caps, st) for st in students]
    results = [
        StudentResult(st, {spec.key: _dimension(spec, st, caps, ruleset.max_stars) for spec in specs})
        for st, caps in zip(students, matched, strict=True)
    ]  # steps 1-4
    _dimension_quota(specs, results, students)  # step 5
    _overall_steps(ruleset.overall, specs, results, matched)  # steps 6-9
    _overall_quota(ruleset.overall, results, students)  # step 10
    _titles(ruleset.titles, results)  # step 11
    names_en = {t.name: t.name_en for t in (*ruleset.caps, *ruleset.titles) if t.name_en}
    if names_en:
        for res in results:
            res._names_en = names_en
    return results


def _matching_caps(caps: tuple[Cap, ...], st: StudentInput) -> list[Cap]:
    """The caps whose condition holds for the student, in rule-file order."""
    if not caps:
        return []
    get = st.totals.get
    flags = st.flags
    return [c for c in caps
            if (c.flag in flags if c.flag is not None else get(c.indicator, ZERO) < c.below)]


def _dimension(spec: _Dim, st: StudentInput, matched: list[Cap], max_stars: int) -> DimensionResult:
    """Steps 1-4 for one dimension of one student."""
    r = DimensionResult(spec, st.totals, _indicator_subtotals(spec, st.totals), max_stars)
    _dimension_score(spec, r, matched)
    _dimension_stars(spec, r)
    _dimension_caps(spec, r, matched)
    return r


def _indicator_subtotals(spec: _Dim, totals: Mapping[str, Decimal]) -> Decimal:
    """Step 1 (and the sum of step 2): base + every indicator's total held in [min, max].

    The value of an absent indicator is already in ``base_eff``, so only present ones add."""
    acc = spec.base_eff
    get = totals.get
    for key, lo, hi, zero in spec.inds:
        v = get(key)
        if v is not None:
            if v < lo:
                v = lo
            elif v > hi:
                v = hi
            acc += v - zero
    return acc


def _dimension_score(spec: _Dim, r: DimensionResult, matched: list[Cap]) -> None:
    """Step 2: the raw score held in [0, max]; a matching score cap replaces it (lowest wins)."""
    acc = r.raw_score
    if acc < 0:
        acc = ZERO
    elif acc > spec.max:
        acc = spec.max
    r.computed_score = acc
    if matched and spec.score_caps:
        for c in matched:
            if c.dimension == spec.key and c.score is not None and (r.score_cap is None or c.score < acc):
                acc = c.score
                r.score_cap = c.name
    r.score = acc


def _dimension_stars(spec: _Dim, r: DimensionResult) -> None:
    """Step 3: the highest level whose threshold the score reaches; 0 when none."""
    stars = 0
    for level, t in spec.thr_desc:
        if r.score >= t:
            stars = level
            r.threshold = t
            break
    r.threshold_stars = r.stars = stars


def _dimension_caps(spec: _Dim, r: DimensionResult, matched: list[Cap]) -> None:
    """Step 4: the lowest matching star cap of the dimension holds the stars."""
    if matched and spec.star_caps:
        for c in matched:
            if c.dimension == spec.key and c.score is None and (r.cap_max is None or c.max_stars < r.cap_max):
                r.cap_max = c.max_stars
                r.cap = c.name
        if r.cap_max is not None and r.cap_max < r.stars:
            r.stars = r.cap_max


def _dimension_quota(specs: list[_Dim], results: list[StudentResult], students: Sequence[StudentInput]) -> None:
    """Step 5: each dimension's quota over its groups, ranked by the dimension score."""
    for spec in specs:
        if spec.quota_desc:
            _apply_quota([res.dimensions[spec.key] for res in results], students, spec.quota_desc,
                         spec.scope, lambda r: r.score, _set_dim_stars)


def _overall_steps(overall: Overall, specs: list[_Dim], results: list[StudentResult],
                   matched: list[list[Cap]]) -> None:
    """Steps 6-9 for every student: overall score, stars, requirements, caps."""
    method = overall.method
    weight_sum = sum((s.weight for s in specs), ZERO)
    thr_desc = sorted(overall.thresholds.items(), reverse=True)
    if method == "weighted":
        scaled_thr = [(level, t * weight_sum, t) for level, t in thr_desc]
    else:
        scaled_thr = [(level, t, t) for level, t in thr_desc]
    weights = [(s.key, s.weight) for s in specs]
    require = sorted(overall.require, key=lambda r: r.stars)
    for res, caps in zip(results, matched, strict=True):
        res._method = method
        _overall_score(res, method, weights, weight_sum)
        _overall_stars(res, method, scaled_thr)
        _requirements(res, require)
        _overall_caps(res, caps)


def _overall_score(res: StudentResult, method: str, weights: list[tuple[str, Decimal]],
                   weight_sum: Decimal) -> None:
    """Step 6: weighted sum(weight × score) / sum(weight), or the star sum; none for min_stars.

    ``_rank`` keeps the exact numerator, which thresholds and quotas compare."""
    dims = res.dimensions
    if method == "weighted":
        num = ZERO
        for key, w in weights:
            num += w * dims[key].score
        res._rank = num
        res._weight_sum = weight_sum
        res.overall_score = num / weight_sum
    elif method == "star_sum":
        num = Decimal(sum(r.stars for r in dims.values()))
        res._rank = num
        res.overall_score = num


def _overall_stars(res: StudentResult, method: str, scaled_thr: list[tuple[int, Decimal, Decimal]]) -> None:
    """Step 7: the overall thresholds (scaled by sum(weight) for weighted), or the weakest
    dimension's stars for min_stars."""
    if method == "min_stars":
        weakest = min(res.dimensions.values(), key=lambda r: r.stars)
        stars = weakest.stars
        res.min_dimension = weakest.key
    else:
        stars = 0
        for level, scaled, t in scaled_thr:
            if res._rank >= scaled:
                stars = level
                res.overall_threshold = t
                break
    res.overall_threshold_stars = stars


def _requirements(res: StudentResult, require: list[Requirement]) -> None:
    """Step 8: below the lowest failing requirement at or under the step-7 level."""
    stars = res.overall_threshold_stars
    if require:
        lowest = min(r.stars for r in res.dimensions.values())
        for req in require:
            if req.stars > stars:
                break
            if lowest < req.all_dimensions_at_least:
                stars = req.stars - 1
                res.failed_requirement = req
                break
    res.required_stars = stars


def _overall_caps(res: StudentResult, matched: list[Cap]) -> None:
    """Step 9: the lowest matching overall cap holds the overall stars."""
    for c in matched:
        if c.overall_max is not None and (res.overall_cap_max is None or c.overall_max < res.overall_cap_max):
            res.overall_cap_max = c.overall_max
            res.overall_cap = c.name
    stars = res.required_stars
    if res.overall_cap_max is not None and res.overall_cap_max < stars:
        stars = res.overall_cap_max
    res.overall_stars = stars


def _overall_quota(overall: Overall, results: list[StudentResult], students: Sequence[StudentInput]) -> None:
    """Step 10: the overall quota over its groups, ranked by the overall score."""
    if overall.quota and overall.method != "min_stars":
        _apply_quota(results, students, sorted(overall.quota.items(), reverse=True), overall.quota_scope,
                     lambda r: r._rank, _set_overall_stars)


def _titles(titles: tuple[Title, ...], results: list[StudentResult]) -> None:
    """Step 11: every title whose condition holds on the final stars, in rule-file order."""
    if titles:
        for res in results:
            dims = res.dimensions
            res.titles = [
                t.name for t in titles
                if (res.overall_stars >= t.overall_at_least if t.overall_at_least is not None
                    else dims[t.dimension].stars >= t.at_least)
            ]


def _set_dim_stars(r: DimensionResult, drop: QuotaDrop) -> None:
    r.stars = drop.level - 1
    r.quota_drops += (drop,)


def _set_overall_stars(r: StudentResult, drop: QuotaDrop) -> None:
    r.overall_stars = drop.level - 1
    r.overall_quota_drops += (drop,)


def _group_key(st: StudentInput, scope: str) -> str:
    if scope == "class":
        return st.class_
    if scope == "grade":
        return st.grade
    return ""


def tie_groups(ranked, score_of):
    """The tie groups of a list sorted by score, highest first: (start, end) slices of equal
    scores, in order. The quota admits or drops whole groups; a ranking gives a group one rank."""
    k = 0
    while k < len(ranked):
        score = score_of(ranked[k])
        j = k + 1
        while j < len(ranked) and score_of(ranked[j]) == score:
            j += 1
        yield k, j
        k = j


def _apply_quota(items, students, quota_desc, scope, score_of, set_stars) -> None:
    """Apply one level table to each group: highest level first, whole tie groups only."""
    groups: dict[str, list] = {}
    for item, st in zip(items, students, strict=True):
        groups.setdefault(_group_key(st, scope), []).append(item)
    star_attr = "stars" if set_stars is _set_dim_stars else "overall_stars"
    for group, members in groups.items():
        n = len(members)
        members.sort(key=score_of, reverse=True)
        for level, percent in quota_desc:
            limit = int((n * percent) // 100)
            at = [m for m in members if getattr(m, star_attr) == level]
            if len(at) <= limit:
                continue
            admitted = 0
            k = 0
            for k, j in tie_groups(at, score_of):
                if admitted + (j - k) > limit:
                    break
                admitted += j - k
            else:
                k = len(at)
            drop = QuotaDrop(level, limit, percent, scope, group, n)
            for m in at[k:]:
                set_stars(m, drop)

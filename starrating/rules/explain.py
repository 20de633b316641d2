"""Turn the structured reasons of a :class:`StudentResult` into sentences.

Chinese (``zh``, the default) is for students and parents; English (``en``) for
everyone else. Scores are shown rounded half up to 2 places without trailing zeros
(``86``, ``85.5``). One line per dimension (score, the threshold/cap/quota that set its
stars, then the next star), one line for the overall stars, one line for the titles
when there are any.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from .numbers import round_score

if TYPE_CHECKING:
    from .engine import DimensionResult, NextStar, QuotaDrop, StudentResult

_SCOPE = {
    "zh": {"class": "本班", "grade": "本年级", "school": "全校"},
    "en": {"class": "class", "grade": "grade", "school": "school"},
}


@lru_cache(maxsize=8192)
def fmt(value: Decimal | int) -> str:
    """A score as people write it: 2 places at most, no trailing zeros.

    Cached: a term has few distinct scores and thresholds, and formatting them is the
    bulk of the cost of explaining 50,000 students."""
    if isinstance(value, int):
        return str(value)
    text = format(round_score(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _st(n: int) -> str:
    return f"{n} star" if n == 1 else f"{n} stars"


def explain_student(res: StudentResult, lang: str = "zh") -> list[str]:
    """All explanation lines of one student."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}: use 'zh' or 'en'")
    zh = lang == "zh"
    lines = [(_dimension_zh if zh else _dimension_en)(r) for r in res.dimensions.values()]
    lines.append((_overall_zh if zh else _overall_en)(res))
    if res.titles:
        lines.append(("获得称号：" + "、".join(res.titles)) if zh else ("Titles: " + ", ".join(res.titles)))
    return lines


# What the next star needs, by NextStar.reason; "reachable" gets the suffix when the level
# has a quota. Fields: level, level_st ("1 star"/"n stars"), threshold, needed, headroom,
# max (the dimension's), cap.
_NEXT = {
    "zh": {
        "at_max": "已是最高星级",
        "score_fixed": "分数由「{cap}」确定，加分不改变星级",
        "capped": "受「{cap}」限制，暂不能再升星",
        "no_threshold": "{level} 星及以上未设分数线，无法再升星",
        "above_max": "{level} 星线 {threshold} 分高于本维度满分 {max} 分，无法达到",
        "headroom": "再得 {needed} 分才可达 {level} 星（{threshold} 分），"
                    "但各指标剩余可加分合计只有 {headroom} 分，本学期无法达到",
        "quota": "分数已达 {level} 星线 {threshold} 分，但受名额限制；继续加分可提高排名，但不保证能评上",
        "reachable": "再得 {needed} 分可达 {level} 星（{threshold} 分）",
        "quota_limited": "，但该星级有名额限制，达到分数线也未必能评上",
    },
    "en": {
        "at_max": "already at the highest level",
        "score_fixed": "the score is fixed by \"{cap}\", so more points do not change the stars",
        "capped": "\"{cap}\" holds the stars, no higher level for now",
        "no_threshold": "{level_st} and above have no threshold, so no higher level can be reached",
        "above_max": "the {level}-star threshold {threshold} is above the maximum {max}, so it cannot be reached",
        "headroom": "{level_st} ({threshold}) need {needed} more points, but the indicators "
                    "can only add {headroom} more this term, so it cannot be reached",
        "quota": "the score already reaches the {level}-star threshold {threshold} but the quota is full; "
                 "more points improve the rank but do not guarantee a place",
        "reachable": "{needed} more points reach {level_st} ({threshold})",
        "quota_limited": ", but that level has a quota, so reaching the threshold may not be enough",
    },
}


def _next(r: DimensionResult, ns: NextStar, lang: str) -> str:
    """The next-star advice of one dimension, in `lang`."""
    texts = _NEXT[lang]
    reason = ns.reason if ns.reason in texts else "reachable"
    text = texts[reason].format(
        level=ns.level, level_st=_st(ns.level) if ns.level is not None else "", cap=ns.cap,
        threshold=_fmt_or_none(ns.threshold), needed=_fmt_or_none(ns.points_needed),
        headroom=_fmt_or_none(ns.headroom), max=fmt(r.max))
    if reason == "reachable" and ns.quota_limited:
        text += texts["quota_limited"]
    return text


def _fmt_or_none(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


# -- Chinese ------------------------------------------------------------------------


def _quota_zh(drop: QuotaDrop, score_text: str) -> str:
    scope = _SCOPE["zh"][drop.scope]
    return (
        f"{drop.level} 星名额为{scope} {drop.group_size} 人的 {fmt(drop.percent)}%，即 {drop.limit} 人，"
        f"{score_text}未能入选，降为 {drop.level - 1} 星"
    )


def _dimension_zh(r: DimensionResult) -> str:
    parts = []
    if r.score_cap is not None:
        parts.append(f"{r.name}因「{r.score_cap}」按 {fmt(r.score)} 分计")
    elif r.raw_score != r.score:
        bound = "满分" if r.raw_score > r.score else "最低分"
        parts.append(f"{r.name} {fmt(r.score)} 分（合计 {fmt(r.raw_score)} 分，按{bound} {fmt(r.score)} 分计）")
    else:
        parts.append(f"{r.name} {fmt(r.score)} 分")
    thr = r._spec.thr_asc
    if r.threshold is not None:
        parts[-1] += f"，达到 {r.threshold_stars} 星线 {fmt(r.threshold)} 分"
    elif thr:
        parts[-1] += f"，未达到最低的 {thr[0][0]} 星线 {fmt(thr[0][1])} 分，0 星"
    else:
        parts[-1] += "，本维度未设星级线，0 星"
    if r.cap_max is not None and r.cap_max < r.threshold_stars:
        parts.append(f"因「{r.cap}」最高 {r.cap_max} 星，定为 {r.cap_max} 星")
    for drop in r.quota_drops:
        parts.append(_quota_zh(drop, f"{fmt(r.score)} 分"))
    if r.quota_drops:
        parts.append(f"最终 {r.stars} 星")
    parts.append(_next(r, r.next_star, "zh"))
    return "；".join(parts)


def _overall_zh(res: StudentResult) -> str:
    method = res.overall_method
    if method == "min_stars":
        dim = res.dimensions[res.min_dimension] if res.min_dimension else None
        head = f"综合星级取各维度最低星级：{dim.name} {dim.stars} 星" if dim else "综合星级取各维度最低星级"
    else:
        label = "综合得分（加权）" if method == "weighted" else "各维度星数合计"
        head = f"{label} {fmt(res.overall_score)}"
        if res.overall_threshold is not None:
            head += f"，达到综合 {res.overall_threshold_stars} 星线 {fmt(res.overall_threshold)}"
        else:
            head += "，未达到任何综合星级线"
    parts = [head]
    req = res.failed_requirement
    if req is not None:
        parts.append(
            f"{req.stars} 星要求各维度均不低于 {req.all_dimensions_at_least} 星，未满足，降为 {res.required_stars} 星"
        )
    if res.overall_cap_max is not None and res.overall_cap_max < res.required_stars:
        parts.append(f"因「{res.overall_cap}」综合最高 {res.overall_cap_max} 星")
    for drop in res.overall_quota_drops:
        score = f"综合得分 {fmt(res.overall_score)}" if method == "weighted" else f"星数合计 {fmt(res.overall_score)}"
        parts.append(_quota_zh(drop, score))
    parts.append(f"综合评定 {res.overall_stars} 星")
    return "；".join(parts)


# -- English ------------------------------------------------------------------------


def _quota_en(drop: QuotaDrop, score_text: str) -> str:
    scope = _SCOPE["en"][drop.scope]
    return (
        f"the {drop.level}-star quota is {fmt(drop.percent)}% of the {drop.group_size} students of the {scope}, "
        f"i.e. {drop.limit}; {score_text} did not get a place, so {_st(drop.level - 1)}"
    )


def _dimension_en(r: DimensionResult) -> str:
    if r.score_cap is not None:
        head = f"{r.name}: score set to {fmt(r.score)} by \"{r.score_cap}\""
    elif r.raw_score != r.score:
        head = f"{r.name}: {fmt(r.score)} points (sum {fmt(r.raw_score)}, held within [0, {fmt(r.max)}])"
    else:
        head = f"{r.name}: {fmt(r.score)} points"
    thr = r._spec.thr_asc
    if r.threshold is not None:
        head += f", reaching the {r.threshold_stars}-star threshold {fmt(r.threshold)}"
    elif thr:
        head += f", below the lowest threshold ({thr[0][0]} stars at {fmt(thr[0][1])}), 0 stars"
    else:
        head += ", no thresholds set, 0 stars"
    parts = [head]
    if r.cap_max is not None and r.cap_max < r.threshold_stars:
        parts.append(f"\"{r.cap}\" limits it to {_st(r.cap_max)}")
    for drop in r.quota_drops:
        parts.append(_quota_en(drop, f"a score of {fmt(r.score)}"))
    if r.quota_drops:
        parts.append(f"final {_st(r.stars)}")
    parts.append(_next(r, r.next_star, "en"))
    return "; ".join(parts)


def _overall_en(res: StudentResult) -> str:
    method = res.overall_method
    if method == "min_stars":
        dim = res.dimensions[res.min_dimension] if res.min_dimension else None
        head = f"Overall takes the lowest dimension: {dim.name} with {_st(dim.stars)}" if dim else "Overall takes the lowest dimension"
    else:
        label = "Overall weighted score" if method == "weighted" else "Overall star sum"
        head = f"{label} {fmt(res.overall_score)}"
        if res.overall_threshold is not None:
            head += f", reaching the {res.overall_threshold_stars}-star threshold {fmt(res.overall_threshold)}"
        else:
            head += ", below every overall threshold"
    parts = [head]
    req = res.failed_requirement
    if req is not None:
        parts.append(
            f"{_st(req.stars)} require every dimension at {_st(req.all_dimensions_at_least)} or more, "
            f"not met, so {_st(res.required_stars)}"
        )
    if res.overall_cap_max is not None and res.overall_cap_max < res.required_stars:
        parts.append(f"\"{res.overall_cap}\" limits the overall to {_st(res.overall_cap_max)}")
    for drop in res.overall_quota_drops:
        parts.append(_quota_en(drop, f"an overall score of {fmt(res.overall_score)}"))
    parts.append(f"overall {_st(res.overall_stars)}")
    return "; ".join(parts)

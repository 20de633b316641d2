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

_LANGS = ("zh", "en")
_SEPARATOR = {"zh": "；", "en": "; "}
_SCOPE = {
    "zh": {"class": "本班", "grade": "本年级", "school": "全校"},
    "en": {"class": "class", "grade": "grade", "school": "school"},
}


def _columns(table: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """{lang: {key: sentence}} from a table of (zh, en) sentence pairs."""
    return {lang: {key: pair[i] for key, pair in table.items()} for i, lang in enumerate(_LANGS)}


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
    names = res._names_en if not zh else {}
    lines = [_dimension(r, lang, names) for r in res.dimensions.values()]
    lines.append(_overall(res, lang, names))
    if res.titles:
        lines.append(("获得称号：" + "、".join(res.titles)) if zh
                     else ("Titles: " + ", ".join(names.get(t, t) for t in res.titles)))
    return lines


# What the next star needs, by NextStar.reason; "reachable" gets the suffix when the level
# has a quota. Fields: level, level_st ("1 star"/"n stars"), threshold, needed, headroom,
# max (the dimension's), cap.
_NEXT = _columns({
    "at_max": ("已是最高星级",
               "already at the highest level"),
    "score_fixed": ("分数由「{cap}」确定，加分不改变星级",
                    "the score is fixed by \"{cap}\", so more points do not change the stars"),
    "capped": ("受「{cap}」限制，暂不能再升星",
               "\"{cap}\" holds the stars, no higher level for now"),
    "no_threshold": ("{level} 星及以上未设分数线，无法再升星",
                     "{level_st} and above have no threshold, so no higher level can be reached"),
    "above_max": ("{level} 星线 {threshold} 分高于本维度满分 {max} 分，无法达到",
                  "the {level}-star threshold {threshold} is above the maximum {max}, so it cannot be reached"),
    "headroom": ("再得 {needed} 分才可达 {level} 星（{threshold} 分），但各指标剩余可加分合计只有 {headroom} 分，本学期无法达到",
                 "{level_st} ({threshold}) need {needed} more {needed_pts}, but the indicators can only add {headroom} more this term, so it cannot be reached"),
    "quota": ("分数已达 {level} 星线 {threshold} 分，但受名额限制；继续加分可提高排名，但不保证能评上",
              "the score already reaches the {level}-star threshold {threshold} but the quota is full; more points improve the rank but do not guarantee a place"),
    "reachable": ("再得 {needed} 分可达 {level} 星（{threshold} 分）",
                  "{needed} more {needed_pts} reach{needed_s} {level_st} ({threshold})"),
    "quota_limited": ("，但该星级有名额限制，达到分数线也未必能评上",
                      ", but that level has a quota, so reaching the threshold may not be enough"),
})


def _dim_name(r: DimensionResult, lang: str) -> str:
    """The dimension's name in `lang`: its ``name_en`` in English when the rules give one."""
    return (lang == "en" and r._spec.dim.name_en) or r.name


def _next(r: DimensionResult, ns: NextStar, lang: str, names: dict[str, str]) -> str:
    """The next-star advice of one dimension, in `lang`."""
    texts = _NEXT[lang]
    reason = ns.reason if ns.reason in texts else "reachable"
    text = texts[reason].format(
        level=ns.level, level_st=_st(ns.level) if ns.level is not None else "", cap=names.get(ns.cap, ns.cap),
        threshold=_fmt_or_none(ns.threshold), needed=_fmt_or_none(ns.points_needed),
        headroom=_fmt_or_none(ns.headroom), max=fmt(r.max),
        needed_pts="point" if ns.points_needed == 1 else "points",
        needed_s="es" if ns.points_needed == 1 else "")
    if reason == "reachable" and ns.quota_limited:
        text += texts["quota_limited"]
    return text


def _fmt_or_none(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


# A dimension's line, piece by piece. Fields: name, score, raw, max, bound (zh), cap, stars,
# threshold, level and lowest (the lowest threshold), cap_max, cap_max_st, stars_st.
_DIMENSION = _columns({
    "score_cap": ("{name}因「{cap}」按 {score} 分计",
                  "{name}: score set to {score} by \"{cap}\""),
    "clamped": ("{name} {score} 分（合计 {raw} 分，按{bound} {score} 分计）",
                "{name}: {score} points (sum {raw}, held within [0, {max}])"),
    "plain": ("{name} {score} 分",
              "{name}: {score} points"),
    "reached": ("，达到 {stars} 星线 {threshold} 分",
                ", reaching the {stars}-star threshold {threshold}"),
    "below": ("，未达到最低的 {level} 星线 {lowest} 分，0 星",
              ", below the lowest threshold ({level} stars at {lowest}), 0 stars"),
    "no_thresholds": ("，本维度未设星级线，0 星",
                      ", no thresholds set, 0 stars"),
    "capped": ("因「{cap}」最高 {cap_max} 星，定为 {cap_max} 星",
               "\"{cap}\" limits it to {cap_max_st}"),
    "quota_score": ("{score} 分",
                    "a score of {score}"),
    "final": ("最终 {stars} 星",
              "final {stars_st}"),
})


def _dimension(r: DimensionResult, lang: str, names: dict[str, str]) -> str:
    """One dimension's line: its score, what set its stars, then the next star."""
    texts = _DIMENSION[lang]
    thr = r._spec.thr_asc
    cap_max = r.cap_max
    values = {
        "name": _dim_name(r, lang), "score": fmt(r.score), "raw": fmt(r.raw_score), "max": fmt(r.max),
        "bound": "满分" if r.raw_score > r.score else "最低分", "cap": names.get(r.cap, r.cap),
        "stars": r.threshold_stars, "threshold": _fmt_or_none(r.threshold),
        "level": thr[0][0] if thr else None, "lowest": fmt(thr[0][1]) if thr else None,
        "cap_max": cap_max, "cap_max_st": _st(cap_max) if cap_max is not None else None,
    }
    if r.score_cap is not None:
        head = texts["score_cap"].format(**{**values, "cap": names.get(r.score_cap, r.score_cap)})
    elif r.raw_score != r.score:
        head = texts["clamped"].format(**values)
    else:
        head = texts["plain"].format(**values)
    if r.threshold is not None:
        head += texts["reached"].format(**values)
    elif thr:
        head += texts["below"].format(**values)
    else:
        head += texts["no_thresholds"]
    parts = [head]
    if cap_max is not None and cap_max < r.threshold_stars:
        parts.append(texts["capped"].format(**values))
    quota = _quota_zh if lang == "zh" else _quota_en
    for drop in r.quota_drops:
        parts.append(quota(drop, texts["quota_score"].format(**values)))
    if r.quota_drops:
        parts.append(texts["final"].format(stars=r.stars, stars_st=_st(r.stars)))
    parts.append(_next(r, r.next_star, lang, names))
    return _SEPARATOR[lang].join(parts)


# The overall line. Fields: score, stars, threshold, dim_name, dim_stars(_st), req_stars(_st),
# least(_st), required(_st), cap, cap_max(_st), final(_st).
_OVERALL = _columns({
    "min_stars": ("综合星级取各维度最低星级：{dim_name} {dim_stars} 星",
                  "Overall takes the lowest dimension: {dim_name} with {dim_stars_st}"),
    "min_stars_none": ("综合星级取各维度最低星级",
                       "Overall takes the lowest dimension"),
    "weighted": ("综合得分（加权） {score}",
                 "Overall weighted score {score}"),
    "star_sum": ("各维度星数合计 {score}",
                 "Overall star sum {score}"),
    "reached": ("，达到综合 {stars} 星线 {threshold}",
                ", reaching the {stars}-star threshold {threshold}"),
    "below": ("，未达到任何综合星级线",
              ", below every overall threshold"),
    "requirement": ("{req_stars} 星要求各维度均不低于 {least} 星，未满足，降为 {required} 星",
                    "{req_stars_st} require every dimension at {least_st} or more, not met, so {required_st}"),
    "capped": ("因「{cap}」综合最高 {cap_max} 星",
               "\"{cap}\" limits the overall to {cap_max_st}"),
    "quota_score_weighted": ("综合得分 {score}",
                             "an overall score of {score}"),
    "quota_score_star_sum": ("星数合计 {score}",
                             "an overall score of {score}"),
    "final": ("综合评定 {final} 星",
              "overall {final_st}"),
})


def _overall(res: StudentResult, lang: str, names: dict[str, str]) -> str:
    """The overall line: score or weakest dimension, requirement, cap, quota, final stars."""
    texts = _OVERALL[lang]
    method = res.overall_method
    dim = res.dimensions[res.min_dimension] if res.min_dimension else None
    req = res.failed_requirement
    values = {
        "score": _fmt_or_none(res.overall_score), "stars": res.overall_threshold_stars,
        "threshold": _fmt_or_none(res.overall_threshold), "cap": names.get(res.overall_cap, res.overall_cap),
        "required": res.required_stars, "required_st": _st(res.required_stars),
        "final": res.overall_stars, "final_st": _st(res.overall_stars),
    }
    if dim is not None:
        values.update(dim_name=_dim_name(dim, lang), dim_stars=dim.stars, dim_stars_st=_st(dim.stars))
    if req is not None:
        values.update(req_stars=req.stars, req_stars_st=_st(req.stars), least=req.all_dimensions_at_least,
                      least_st=_st(req.all_dimensions_at_least))
    if res.overall_cap_max is not None:
        values.update(cap_max=res.overall_cap_max, cap_max_st=_st(res.overall_cap_max))
    if method == "min_stars":
        head = texts["min_stars"].format(**values) if dim else texts["min_stars_none"]
    else:
        head = texts[method].format(**values)
        head += texts["reached"].format(**values) if res.overall_threshold is not None else texts["below"]
    parts = [head]
    if req is not None:
        parts.append(texts["requirement"].format(**values))
    if res.overall_cap_max is not None and res.overall_cap_max < res.required_stars:
        parts.append(texts["capped"].format(**values))
    quota = _quota_zh if lang == "zh" else _quota_en
    for drop in res.overall_quota_drops:
        parts.append(quota(drop, texts[f"quota_score_{'weighted' if method == 'weighted' else 'star_sum'}"]
                           .format(**values)))
    parts.append(texts["final"].format(**values))
    return _SEPARATOR[lang].join(parts)


# -- Chinese ------------------------------------------------------------------------


def _quota_zh(drop: QuotaDrop, score_text: str) -> str:
    scope = _SCOPE["zh"][drop.scope]
    return (
        f"{drop.level} 星名额为{scope} {drop.group_size} 人的 {fmt(drop.percent)}%，即 {drop.limit} 人，"
        f"{score_text}未能入选，降为 {drop.level - 1} 星"
    )


# -- English ------------------------------------------------------------------------


def _quota_en(drop: QuotaDrop, score_text: str) -> str:
    scope = _SCOPE["en"][drop.scope]
    return (
        f"the {drop.level}-star quota is {fmt(drop.percent)}% of the {drop.group_size} students of the {scope}, "
        f"i.e. {drop.limit}; {score_text} did not get a place, so {_st(drop.level - 1)}"
    )

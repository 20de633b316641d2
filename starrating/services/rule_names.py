"""The names of rule objects as the page's reader reads them.

A rule file may give an English name (``name_en``) beside every ``name`` (rules.md): English
pages show it where given, everything else (and what is stored: entries' item names, results'
titles) keeps the ``name`` as written. The one place that decides which name a page shows.
"""

from __future__ import annotations

from flask_babel import get_locale

from ..rules.model import RuleSet, shown_name


def page_lang() -> str:
    """"en" on an English page, else "zh" (also outside a request)."""
    locale = get_locale()
    return "en" if locale is not None and str(locale).startswith("en") else "zh"


def shown(thing) -> str:
    """A rule set's, dimension's, indicator's, catalogue item's, cap's or title's name on this page."""
    return shown_name(thing, page_lang())


def title_shown(rules: RuleSet | None, name: str) -> str:
    """A stored title (its ``name`` as the rules wrote it) as this page shows it."""
    if rules is None or page_lang() != "en":
        return name
    return next((t.name_en for t in rules.titles if t.name == name and t.name_en), name)


def cap_shown(rules: RuleSet | None, name: str | None) -> str | None:
    """A stored cap name (in a result's next-star advice) as this page shows it."""
    if rules is None or name is None or page_lang() != "en":
        return name
    return next((c.name_en for c in rules.caps if c.name == name and c.name_en), name)


def next_shown(rules: RuleSet | None, advice: dict) -> dict:
    """A dimension's stored next-star advice with its cap named as this page shows it."""
    if not advice.get("cap"):
        return advice
    return {**advice, "cap": cap_shown(rules, advice["cap"])}

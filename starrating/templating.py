"""Jinja helpers written in Python where a template macro is too slow for a hot page."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, url_for
from flask_babel import get_locale, gettext
from markupsafe import Markup

from .services.rule_names import shown, title_shown


@lru_cache(maxsize=256)
def _stars_html(n: int, top: int, label: str) -> Markup:
    spans = "".join('<span class="on">★</span>' if i < n else '<span class="off">★</span>'
                    for i in range(top))
    return Markup('<span class="stars" role="img" aria-label="{}">{}</span>').format(
        label, Markup(spans))


def stars_html(n, top=5) -> Markup:
    """The star row for n of top stars. A class page shows 300 of them: rendering each with
    a macro and a translation lookup took most of the page's time, so it is cached."""
    n, top = int(n or 0), int(top or 5)
    locale = str(get_locale() or "")
    return _stars_cached(n, top, locale)


@lru_cache(maxsize=512)
def _label(n: int, top: int, locale: str) -> str:
    return gettext("%(n)d of %(max)d stars", n=n, max=top)


def _stars_cached(n: int, top: int, locale: str) -> Markup:
    return _stars_html(n, top, _label(n, top, locale))


_SLOT = 987654321


class UrlPattern:
    """One endpoint's address with one value left open: `url_pattern('teacher.student_entries',
    'student_id', term=t).of(id)` builds it once with url_for and then only joins strings
    (a 30-student class page called url_for 100 times)."""

    def __init__(self, endpoint: str, key: str, **values):
        built = url_for(endpoint, **{key: _SLOT}, **values)
        self.head, _slot, self.tail = built.partition(str(_SLOT))

    def of(self, value) -> str:
        return f"{self.head}{int(value)}{self.tail}"


def star_rows():
    """stars_html with the page's locale looked up once: `{% set star = star_rows() %}`,
    then `star(n)` per cell."""
    locale = str(get_locale() or "")
    return lambda n, top=5: _stars_cached(int(n or 0), int(top or 5), locale)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["star_rows"] = star_rows
    app.jinja_env.globals["stars_html"] = stars_html
    app.jinja_env.globals["url_pattern"] = UrlPattern
    # a message's translated format string, looked up once and filled per row with |format
    # (a template's _() with values looks the locale up on every call)
    app.jinja_env.globals["format_of"] = gettext
    # a rule object's name as this page shows it (name_en on English pages), a stored title's
    app.jinja_env.filters["rule_name"] = shown
    app.jinja_env.globals["title_shown"] = title_shown

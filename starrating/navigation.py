"""The navigation bar by role."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .services import terms
from .services.clock import local_date, local_time, school_today

NAV = {
    "city": [
        ("city.index", _l("Schools")),
        ("city.dashboard", _l("City dashboard")),
        ("city.rules", _l("Rules")),
    ],
    "admin": [
        ("admin.index", _l("Overview")),
        ("admin.dashboard", _l("Dashboard")),
        ("admin.terms", _l("Terms")),
        ("admin.classes", _l("Classes")),
        ("admin.students", _l("Students")),
        ("admin.flags", _l("Sanctions")),
        ("admin.teachers", _l("Teachers")),
        ("admin.clubs", _l("Clubs")),
        ("admin.rule_sets", _l("Rules")),
        ("admin.workflow", _l("Publishing")),
        ("admin.evaluation_rounds", _l("Evaluation")),
        ("admin.review_queue", _l("Approvals")),
        ("admin.reports", _l("Reports")),
        ("admin.registry_index", _l("Skills & certificates")),
        ("admin.audit", _l("Audit log")),
        ("families.alert_list", _l("Alerts")),
    ],
    "teacher": [
        ("teacher.index", _l("My classes")),
        ("teacher.appeals", _l("Appeals")),
        ("teacher.evaluation_home", _l("Evaluation")),
        ("admin.registry_claims", _l("Skills & certificates")),
        ("admin.reports", _l("Reports")),
        ("families.index", _l("Families")),
    ],
    "student": [
        ("student.index", _l("My stars")),
        ("student.entries", _l("My records")),
        ("student.appeals", _l("My appeals")),
        ("student.evaluation_home", _l("Evaluation")),
        ("student.certificates", _l("My awards & certificates")),
    ],
    "guardian": [
        ("guardian.index", _l("My children")),
    ],
}


def nav_items() -> list[tuple[str, object]]:
    if not current_user.is_authenticated:
        return []
    return NAV.get(current_user.role, [])


def term_bar(term):
    """The term line of a page (cached for the request): which term, in force or not, and
    the terms the reader may switch to."""
    if term is None or not current_user.is_authenticated:
        return None
    cache = g.setdefault("_term_bars", {})
    if term.id not in cache:
        cache[term.id] = terms.term_bar(current_user, term)
    return cache[term.id]


def term_arg(term):
    """The `term=` argument links on a page must carry: none for the term in force (so links
    stay short and follow the calendar), the term's id for any other term."""
    bar = term_bar(term)
    return None if bar is None or bar.is_current else term.id


def page_user():
    """The logged-in user as the layout reads it (school, city visit), or None."""
    return g.get("page_user") if current_user.is_authenticated else None


def school_name(school) -> str:
    """A school's name in the page's language (its English name on English pages, if set)."""
    if school is None:
        return ""
    english = getattr(school, "name_en", "")
    return english if english and not str(get_locale() or "zh").startswith("zh") else school.name


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["page_user"] = page_user
    app.jinja_env.filters["school_name"] = school_name
    app.jinja_env.globals["term_bar"] = term_bar
    app.jinja_env.globals["term_arg"] = term_arg
    app.jinja_env.globals["school_today"] = school_today
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date

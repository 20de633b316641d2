"""The navigation bar by role."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

NAV = {
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
        ("admin.reports", _l("Reports")),
        ("admin.audit", _l("Audit log")),
    ],
    "teacher": [
        ("teacher.index", _l("My classes")),
        ("teacher.appeals", _l("Appeals")),
        ("admin.reports", _l("Reports")),
    ],
    "student": [
        ("student.index", _l("My stars")),
        ("student.entries", _l("My records")),
        ("student.appeals", _l("My appeals")),
    ],
}


def nav_items() -> list[tuple[str, object]]:
    if not current_user.is_authenticated:
        return []
    return NAV.get(current_user.role, [])


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items

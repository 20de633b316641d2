"""The admin dashboard: star distributions, class teachers' activity, trend across terms."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..services import dashboard as service
from . import bp
from .common import chosen_term, terms


@bp.route("/dashboard")
@admin_required
def dashboard():
    all_terms = terms()
    term = chosen_term(all_terms)
    dist = activity = None
    if term is not None:
        dist = service.star_distribution(current_user, term)
        activity = service.teacher_activity(current_user, term)
    trend = service.star_trend(current_user, term, dist)
    chart_data = None
    if dist is not None:
        chart_data = {
            "levels": [_("%(n)d★", n=level) for level in range(dist.max_stars + 1)],
            "byClass": dist.by_class, "byMajor": dist.by_major, "byGrade": dist.by_grade,
            "trend": [[p.name, p.average] for p in trend],
            "labels": {"students": _("Students"), "average": _("Average overall stars")},
        }
    return render_template("admin/dashboard.html", term=term, terms=all_terms, dist=dist,
                           activity=activity, trend=trend, chart_data=chart_data,
                           idle_days=service.IDLE_DAYS)

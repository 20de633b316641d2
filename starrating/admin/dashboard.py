"""The admin dashboard: star distributions, class teachers' activity, trend across terms."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..page_cache import whole_page
from ..services import admin_reads as reads
from ..services import dashboard as service
from ..services.terms import term_for
from .blueprint import bp


@bp.route("/dashboard")
@admin_required
@whole_page
def dashboard():
    term = term_for(current_user, request.args.get("term"))
    dist = service.star_distribution(current_user, term) if term is not None else None
    activity = service.teacher_activity(current_user, term) if term is not None else None
    trend = service.star_trend(current_user, term, dist)
    return render_template("admin/dashboard.html", term=term,
                           terms=reads.term_choices(current_user), dist=dist,
                           activity=activity, trend=trend, chart_data=_chart_data(dist, trend),
                           idle_days=service.IDLE_DAYS)


def _chart_data(dist, trend) -> dict | None:
    """What the page's charts draw (labels in the reader's language)."""
    if dist is None:
        return None
    return {
        "levels": [_("%(n)d★", n=level) for level in range(dist.max_stars + 1)],
        "byClass": dist.by_class, "byMajor": dist.by_major, "byGrade": dist.by_grade,
        "trend": [[p.name, p.average] for p in trend],
        "labels": {"students": _("Students"), "average": _("Average overall stars")},
    }

"""学生处 (administration) pages."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ..auth.guards import admin_required
from ..page_cache import whole_page
from ..services import admin_reads as reads
from ..services.terms import term_for
from .blueprint import bp


@bp.route("/")
@admin_required
@whole_page
def index():
    return render_template("admin/index.html", term=term_for(current_user, request.args.get("term")),
                           counts=reads.index_counts(current_user))

"""Sanctions (处分): admins record them per term; class teachers see them on the class page."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..boundary import perform, submit
from ..services import admin_reads, sanctions
from ..services.terms import term_for
from ..teacher.forms import flag_form
from .blueprint import bp


def _page(term, form):
    rows = sanctions.term_flags(current_user, term) if term is not None else []
    return render_template("admin/flags.html", term=term, terms=admin_reads.term_choices(current_user), form=form, rows=rows,
                           names=sanctions.SANCTIONS)


@bp.route("/flags", methods=["GET", "POST"])
@admin_required
def flags():
    term = term_for(current_user, request.args.get("term"))
    form = flag_form(sanctions.SANCTIONS)
    if term is None:
        return _page(term, form)
    return submit(form, lambda: sanctions.add_flag(
        current_user, term, form.student_no.data, form.key.data, form.start_date.data,
        form.end_date.data, form.note.data),
        page=lambda: _page(term, form), done=_("Sanction recorded."),
        to=url_for(".flags", term=term.id))


@bp.post("/flags/<int:flag_id>/revoke")
@admin_required
def revoke_flag(flag_id):
    return perform(lambda: sanctions.revoke_flag(current_user, flag_id),
                   done=_("Sanction revoked."),
                   to=lambda flag: url_for(".flags", term=flag.term_id))

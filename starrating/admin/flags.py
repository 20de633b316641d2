"""Sanctions (处分): admins record them per term; class teachers see them on the class page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..services import entries
from ..teacher.forms import FlagForm, sanction_choices
from ..utils import apply_errors
from . import bp
from .common import chosen_term, terms


def _page(term, form, status=200):
    rows = entries.term_flags(current_user, term) if term is not None else []
    return render_template("admin/flags.html", term=term, terms=terms(), form=form, rows=rows,
                           names=entries.SANCTIONS), status


@bp.route("/flags", methods=["GET", "POST"])
@admin_required
def flags():
    term = chosen_term()
    form = FlagForm()
    form.key.choices = sanction_choices(entries.SANCTIONS)
    if term is not None and form.validate_on_submit():
        try:
            entries.add_flag(current_user, term, form.student_no.data, form.key.data,
                             form.start_date.data, form.end_date.data, form.note.data)
        except DomainError as e:
            if e.status in (403, 404):
                raise
            db.session.rollback()
            if isinstance(e, ValidationFailed):
                apply_errors(form, e.errors)
            flash(str(e.message), "error")
            return _page(term, form, e.status)
        db.session.commit()
        flash(_("Sanction recorded."), "success")
        return redirect(url_for(".flags", term=term.id))
    return _page(term, form, 400 if form.errors else 200)


@bp.post("/flags/<int:flag_id>/revoke")
@admin_required
def revoke_flag(flag_id):
    try:
        flag = entries.revoke_flag(current_user, flag_id)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for(".flags"))
    db.session.commit()
    flash(_("Sanction revoked."), "success")
    return redirect(url_for(".flags", term=flag.term_id))

"""Roster import (preview → confirm → initial passwords) and club member import."""

from __future__ import annotations

from io import BytesIO

from flask import flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..errors import ValidationFailed
from ..extensions import db
from ..services import club_import, roster
from . import bp
from .forms import UploadForm


@bp.route("/students/import", methods=["GET", "POST"])
@admin_required
def roster_import():
    roster.sweep_tmp()  # uploads and password sheets live at most an hour
    form = UploadForm()
    if form.validate_on_submit():
        data, filename = form.file.data.read(), form.file.data.filename or ""
        try:
            checked = roster.check_roster(current_user, roster.read_sheet(data, filename))
        except ValidationFailed as e:
            form.file.errors = [str(e.message)]
        else:
            token = roster.stage_upload(current_user, data, filename) if checked.ok else None
            return render_template("admin/roster_import.html", form=form, checked=checked,
                                   token=token, filename=filename)
    return render_template("admin/roster_import.html", form=form, checked=None)


@bp.post("/students/import/<token>")
@admin_required
def roster_confirm(token):
    data, filename = roster.load_staged(current_user, token)
    try:
        result = roster.import_roster(current_user, data, filename)
    except ValidationFailed as e:
        db.session.rollback()
        rows = e.errors.get("rows", [])
        if not rows:  # the kept file itself is unusable now: start again from the upload
            roster.discard_staged(token)
            flash(str(e.message), "error")
            return redirect(url_for("admin.roster_import"))
        checked = roster.RosterCheck(errors=rows)
        return render_template("admin/roster_import.html", form=UploadForm(), checked=checked,
                               token=None, filename=filename), 400
    db.session.commit()
    roster.discard_staged(token)
    sheet = roster.write_password_sheet(current_user, result.passwords) if result.passwords \
        else None
    # The initial passwords are in this response only (and the one-time sheet).
    response = make_response(render_template("admin/roster_done.html", result=result,
                                             sheet=sheet))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/students/import/passwords/<token>.xlsx")
@admin_required
def roster_passwords(token):
    roster.sweep_tmp()
    data = roster.take_password_sheet(current_user, token)
    response = send_file(BytesIO(data), as_attachment=True,
                         download_name="initial-passwords.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument"
                                  ".spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/clubs/import", endpoint="club_import")
@admin_required
def club_import_view():
    term_id = request.args.get("term", type=int)
    form = UploadForm(prefix="clubs")
    if not form.validate_on_submit():
        flash(_("Choose a file to import."), "error")
        return redirect(url_for("admin.clubs", term=term_id))
    try:
        result = club_import.import_memberships(current_user, term_id, form.file.data.read(),
                                                form.file.data.filename or "")
    except ValidationFailed as e:
        db.session.rollback()
        return render_template("admin/club_import_errors.html", message=e.message,
                               errors=e.errors.get("rows", []), term_id=term_id), 400
    db.session.commit()
    if result.already:
        flash(_("This file was already imported; nothing changed."), "info")
    else:
        flash(_("%(new)d memberships added, %(upd)d updated.", new=result.created,
                upd=result.updated), "success")
    return redirect(url_for("admin.clubs", term=term_id))


"""Roster import (preview → confirm → initial passwords) and club member import (preview →
confirm): upload, see what will change, confirm."""

from __future__ import annotations

from io import BytesIO

from flask import flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..auth.views import school_login_url
from ..boundary import perform, submit
from ..errors import DomainError
from ..services import club_import, roster
from .blueprint import bp
from .forms import GENDER_LABELS, STUDENT_STATUS_LABELS, UploadForm, club_import_form

PDF, ZIP = "application/pdf", "application/zip"


@bp.route("/students/import", methods=["GET", "POST"])
@admin_required
def roster_import():
    roster.sweep()  # uploads and password sheets live at most an hour
    form = UploadForm()
    page = lambda checked=None: _roster_page(form, checked)  # noqa: E731
    return submit(form, lambda: _shown(page, roster.preview(current_user, *_upload(form))),
                  page=page)


@bp.post("/students/import/<token>")
@admin_required
def roster_confirm(token):
    return perform(lambda: _passwords_page(roster.confirm(
        current_user, token, school_login_url())), refusal=_roster_refused)


@bp.get("/students/import/passwords/<token>")
@admin_required
def roster_passwords(token):
    """The password slips (a zip of a PDF per class, or one class's PDF), once."""
    data, name = roster.take_password_sheet(current_user, token)
    return _no_store(send_file(BytesIO(data), as_attachment=True, download_name=name,
                               mimetype=PDF if name.endswith(".pdf") else ZIP))


@bp.post("/clubs/import", endpoint="club_import")
@admin_required
def club_import_view():
    term = club_import.import_term(current_user, request.args.get("term"))
    form = club_import_form()
    page = lambda checked=None: render_template("admin/club_import.html", form=form,  # noqa: E731
                                                term=term, checked=checked)
    return submit(form, lambda: _shown(page, club_import.preview(
        current_user, term.id, *_upload(form))), page=page)


@bp.post("/clubs/import/<token>", endpoint="club_import_confirm")
@admin_required
def club_import_confirm(token):
    term = club_import.import_term(current_user, request.args.get("term"))
    return perform(lambda: _club_imported(club_import.confirm(current_user, term.id, token),
                                          term), refusal=lambda e: _club_refused(e, term))


# ---- answers the views share -------------------------------------------------------------------

def _upload(form) -> tuple[bytes, str]:
    return form.file.data.read(), form.file.data.filename or ""


def _shown(page, checked):
    """The preview: what would be written, or every row's problem (400, nothing kept)."""
    return page(checked), 200 if checked.ok else 400


def _reason(error: DomainError) -> str:
    return str(error.message or getattr(error, "reason", "") or "")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _passwords_page(result):
    # The initial passwords are in this response only (and the one-time sheet).
    return _no_store(make_response(render_template("admin/roster_done.html", result=result,
                                                   sheet=result.sheet)))


def _roster_refused(error: DomainError):
    rows = getattr(error, "errors", {}).get("rows")
    if not rows:  # the kept file itself is unusable now: start again from the upload
        flash(_reason(error), "error")
        return redirect(url_for("admin.roster_import"))
    return _roster_page(UploadForm(), roster.RosterCheck(errors=rows)), 400


def _roster_page(form, checked=None):
    """The upload form and, after an upload, its preview (labels in the reader's language)."""
    return render_template("admin/roster_import.html", form=form, checked=checked,
                           status_labels=STUDENT_STATUS_LABELS, gender_labels=GENDER_LABELS)


def _club_imported(result, term):
    if result.already:
        flash(_("This file was already imported; nothing changed."), "info")
    else:
        flash(_("%(new)d memberships added, %(upd)d updated.", new=result.created,
                upd=result.updated), "success")
    return redirect(url_for("admin.clubs", term=term.id))


def _club_refused(error: DomainError, term):
    rows = getattr(error, "errors", {}).get("rows")
    if not rows:
        flash(_reason(error), "error")
        return redirect(url_for("admin.clubs", term=term.id))
    return render_template("admin/club_import.html", form=club_import_form(), term=term,
                           checked=club_import.ClubCheck(term=term, errors=rows)), 400

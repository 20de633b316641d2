"""Excel import of a class's entries: template, upload with preview, confirm."""

from __future__ import annotations

from io import BytesIO

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..boundary import perform, submit
from ..services import entry_import
from ..services.access import get_class_in_term
from ..services.clock import local_time
from ..services.terms import term_for
from .blueprint import bp
from .forms import UploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/class/<int:class_id>/import/template.xlsx")
@teacher_required
def import_template(class_id):
    data, name = entry_import.template(current_user, term_for(current_user, required=True),
                                       class_id)
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/class/<int:class_id>/import", methods=["GET", "POST"])
@teacher_required
def import_entries(class_id):
    term = term_for(current_user, required=True)
    school_class = get_class_in_term(current_user, term, class_id)
    form = UploadForm()
    page = lambda checked=None: _page(form, school_class, checked)  # noqa: E731
    return submit(form, lambda: _shown(page, entry_import.preview(
        current_user, term, class_id, form.file.data.read(), form.file.data.filename or "")),
        page=page)


@bp.post("/class/<int:class_id>/import/<token>")
@teacher_required
def import_confirm(class_id, token):
    # CSRF is checked for every POST by CSRFProtect (extensions.csrf).
    term = term_for(current_user, required=True)
    return perform(lambda: _imported(entry_import.confirm(current_user, term, class_id, token),
                                     class_id), refusal=lambda e: _refused(e, class_id))


def _page(form, school_class, checked=None):
    return render_template("teacher/import.html", form=form, school_class=school_class,
                           checked=checked,
                           already_on=_when(checked.already) if checked else None)


def _shown(page, checked):
    """The preview: what would be written, or every row's problem (400, nothing kept)."""
    return page(checked), 200 if checked.ok else 400


def _imported(result, class_id):
    if result.already:
        flash(_("This file was already imported on %(when)s; nothing was written again.",
                when=_when(result.batch)), "info")
    else:
        flash(_("Imported %(n)d entries.", n=result.created), "success")
    return redirect(url_for(".class_page", class_id=class_id))


def _refused(error, class_id):
    flash(str(error.message or getattr(error, "reason", "") or ""), "error")
    return redirect(url_for(".import_entries", class_id=class_id))


def _when(batch) -> str | None:
    return local_time(batch.created_at) if batch else None

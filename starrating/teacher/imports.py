"""Excel import of a class's entries: template, upload with preview, confirm."""

from __future__ import annotations

from io import BytesIO

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..services import entry_import
from . import bp
from .forms import UploadForm
from .views import this_term

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/class/<int:class_id>/import/template.xlsx")
@teacher_required
def import_template(class_id):
    term = this_term()
    data = entry_import.build_template(current_user, term, class_id)
    school_class = entry_import.class_for(current_user, term, class_id)
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"{school_class.name}-写实记录.xlsx")


@bp.route("/class/<int:class_id>/import", methods=["GET", "POST"])
@teacher_required
def import_entries(class_id):
    term = this_term()
    school_class = entry_import.class_for(current_user, term, class_id)
    form = UploadForm()
    checked, token, status = None, None, 200
    if form.validate_on_submit():
        data, filename = form.file.data.read(), form.file.data.filename or ""
        try:
            checked = entry_import.check_upload(current_user, term, class_id, data)
        except ValidationFailed as e:
            form.file.errors = [str(e.message)]
            status = 400
        else:
            if checked.ok and checked.already is None:
                token = entry_import.stage(current_user, term, class_id, data, filename)
            elif not checked.ok:
                status = 400
    return render_template("teacher/import.html", form=form, term=term,
                           school_class=school_class, checked=checked, token=token,
                           already_on=_when(checked.already) if checked else None), status


@bp.post("/class/<int:class_id>/import/<token>")
@teacher_required
def import_confirm(class_id, token):
    term = this_term()
    # CSRF is checked for every POST by CSRFProtect (extensions.csrf).
    data, filename = entry_import.load_staged(current_user, term, class_id, token)
    try:
        result = entry_import.import_entries(current_user, term, class_id, data, filename)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for(".import_entries", class_id=class_id))
    db.session.commit()
    entry_import.discard(token)
    if result.already:
        flash(_("This file was already imported on %(when)s; nothing was written again.",
                when=_when(result.batch)), "info")
    else:
        flash(_("Imported %(n)d entries.", n=result.created), "success")
    return redirect(url_for(".class_page", class_id=class_id))


def _when(batch) -> str | None:
    return format_datetime(batch.created_at, "yyyy-MM-dd HH:mm") if batch else None

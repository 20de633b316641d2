"""The office's 岗课赛证 registry pages: competitions and results, certificates, the sheet
import (preview → confirm) and the term's points table. Each view parses, calls one service
of services/registry.py and says where to go."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..boundary import perform, submit
from ..services import registry
from ..services.registry import AWARD_LABELS, CERTIFICATE_LABELS, LEVEL_LABELS, STATUS_LABELS
from .blueprint import bp
from .forms import UploadForm
from .imports import _reason, _shown, _upload
from .registry_forms import (
    AwardForm,
    CompetitionForm,
    OfficeCertificateForm,
    ResultForm,
    points_cells,
    settings_form,
    settings_input,
)

WORDS = {"levels": LEVEL_LABELS, "awards": AWARD_LABELS, "cert_levels": CERTIFICATE_LABELS,
         "statuses": STATUS_LABELS}


@bp.route("/registry", methods=["GET", "POST"])
@admin_required
def registry_index():
    form = CompetitionForm()
    page = lambda: render_template("admin/registry.html", form=form, **WORDS,  # noqa: E731
                                   rows=registry.competitions_page(current_user))
    return submit(form, lambda: registry.save_competition(current_user, form.data_input()),
                  page=page, done=_("The competition was added."),
                  to=lambda c: url_for("admin.registry_competition", competition_id=c.id))


@bp.route("/registry/competitions/<int:competition_id>", methods=["GET", "POST"])
@admin_required
def registry_competition(competition_id):
    competition, rows, term_name = registry.competition_page(current_user, competition_id)
    form, result_form = CompetitionForm(prefix="c", obj=competition), ResultForm(prefix="r")
    page = lambda: render_template(  # noqa: E731
        "admin/registry_competition.html", competition=competition, rows=rows,
        term_name=term_name, form=form, result_form=result_form, award_form=AwardForm(), **WORDS)
    to = url_for("admin.registry_competition", competition_id=competition_id)
    if result_form.submit.data:
        return submit(result_form, lambda: registry.add_result(
            current_user, competition_id, result_form.student_no.data, result_form.award.data),
            page=page, done=_("The result was added."), to=to)
    return submit(form, lambda: registry.save_competition(current_user, form.data_input(),
                                                          competition_id),
                  page=page, done=_("The competition was saved."), to=to)


@bp.post("/registry/competitions/<int:competition_id>/delete")
@admin_required
def registry_competition_delete(competition_id):
    return perform(lambda: registry.delete_competition(current_user, competition_id),
                   done=_("The competition and its results were removed."),
                   to=url_for("admin.registry_index"))


@bp.post("/registry/competitions/<int:competition_id>/results/<int:result_id>")
@admin_required
def registry_result_change(competition_id, result_id):
    return perform(lambda: registry.change_result(current_user, competition_id, result_id,
                                                  request.form.get("award", "")),
                   done=_("The award was changed."),
                   to=url_for("admin.registry_competition", competition_id=competition_id))


@bp.post("/registry/competitions/<int:competition_id>/results/<int:result_id>/delete")
@admin_required
def registry_result_delete(competition_id, result_id):
    return perform(lambda: registry.delete_result(current_user, competition_id, result_id),
                   done=_("The result was removed."),
                   to=url_for("admin.registry_competition", competition_id=competition_id))


@bp.route("/registry/certificates", methods=["GET", "POST"])
@admin_required
def registry_certificates():
    form, status = OfficeCertificateForm(), request.args.get("status")
    page = lambda: render_template(  # noqa: E731
        "admin/registry_certificates.html", form=form, status=status, **WORDS,
        rows=registry.certificates_page(current_user, status))
    return submit(form, lambda: registry.add_certificate(current_user, form.student_no.data,
                                                         form.data_input()),
                  page=page, done=_("The certificate was added."),
                  to=url_for("admin.registry_certificates"))


@bp.post("/registry/certificates/<int:certificate_id>/delete")
@admin_required
def registry_certificate_delete(certificate_id):
    return perform(lambda: registry.delete_certificate(current_user, certificate_id),
                   done=_("The certificate was removed."),
                   to=url_for("admin.registry_certificates"))


@bp.route("/registry/import", methods=["GET", "POST"])
@admin_required
def registry_import():
    registry.sweep()
    form = UploadForm(prefix="registry")
    page = lambda checked=None: render_template(  # noqa: E731
        "admin/registry_import.html", form=form, checked=checked, **WORDS)
    return submit(form, lambda: _shown(page, registry.preview(current_user, *_upload(form))),
                  page=page)


@bp.post("/registry/import/<token>")
@admin_required
def registry_import_confirm(token):
    return perform(lambda: _imported(registry.confirm(current_user, token)),
                   refusal=_import_refused)


@bp.route("/registry/settings", methods=["GET", "POST"])
@admin_required
def registry_settings():
    term, settings, labels = registry.settings_page(current_user, request.args.get("term"))
    form = settings_form(settings, labels)
    page = lambda: render_template(  # noqa: E731
        "admin/registry_settings.html", form=form, term=term, settings=settings,
        cells=points_cells(settings), posted=request.form)
    return submit(form, lambda: registry.save_settings(current_user, term.id,
                                                       settings_input(form, request.form)),
                  page=page, done=_("The points table was saved; computed entries follow it."),
                  to=url_for("admin.registry_settings", term=term.id))


def _imported(result):
    if result.already:
        flash(_("This file was already imported; nothing changed."), "info")
    else:
        flash(_("%(new)d rows added (%(same)d were already in the registry); %(entries)d "
                "computed entries added or changed.", new=result.created, same=result.same,
                entries=result.entries.created + result.entries.updated), "success")
    return redirect(url_for("admin.registry_index"))


def _import_refused(error):
    rows = getattr(error, "errors", {}).get("rows")
    if not rows:
        flash(_reason(error), "error")
        return redirect(url_for("admin.registry_import"))
    return render_template("admin/registry_import.html", form=UploadForm(prefix="registry"),
                           checked=registry.RegistryCheck(errors=rows), **WORDS), 400

"""Staff pages of the registry: certificate claims to decide (class teachers and admins) and
the rankings for 评优评先 (staff only, never a student's or a guardian's)."""

from __future__ import annotations

from io import BytesIO

from flask import make_response, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..boundary import perform
from ..services import rankings, registry
from ..services.registry import CERTIFICATE_LABELS, STATUS_LABELS
from .blueprint import bp
from .registry_forms import DecisionForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/registry/claims")
@teacher_required
def registry_claims():
    return render_template("admin/registry_claims.html", form=DecisionForm(),
                           rows=registry.claims_page(current_user),
                           cert_levels=CERTIFICATE_LABELS, statuses=STATUS_LABELS)


@bp.post("/registry/claims/<int:certificate_id>/approve")
@teacher_required
def registry_claim_approve(certificate_id):
    return perform(lambda: registry.decide_claim(current_user, certificate_id, True),
                   done=_("The certificate was approved; it counts now."),
                   to=url_for("admin.registry_claims"))


@bp.post("/registry/claims/<int:certificate_id>/reject")
@teacher_required
def registry_claim_reject(certificate_id):
    return perform(lambda: registry.decide_claim(current_user, certificate_id, False,
                                                 request.form.get("reason", "")),
                   done=_("The claim was rejected."), to=url_for("admin.registry_claims"))


@bp.get("/ranking")
@teacher_required
def ranking():
    page = rankings.ranking(current_user, request.args.get("term"), request.args.get("scope"))
    return _no_store(render_template("admin/ranking.html", page=page))


@bp.get("/ranking.xlsx")
@teacher_required
def ranking_export():
    data, name = rankings.export_xlsx(current_user, request.args.get("term"),
                                      request.args.get("scope"))
    return _no_store(send_file(BytesIO(data), as_attachment=True, download_name=name,
                               mimetype=XLSX))


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response

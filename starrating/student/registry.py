"""The student's 岗课赛证 page: their awards and certificates, and a certificate claim with a
photo that their class teacher or the office approves."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.registry_forms import ClaimForm
from ..auth.guards import student_required
from ..boundary import submit
from ..services import registry
from ..services.registry import AWARD_LABELS, CERTIFICATE_LABELS, LEVEL_LABELS, STATUS_LABELS
from .blueprint import bp


@bp.route("/certificates", methods=["GET", "POST"])
@student_required
def certificates():
    form = ClaimForm()
    page = lambda: render_template(  # noqa: E731
        "student/registry_certificates.html", form=form, levels=LEVEL_LABELS,
        awards=AWARD_LABELS, cert_levels=CERTIFICATE_LABELS, statuses=STATUS_LABELS,
        **dict(zip(("reg", "claims"), registry.own_page(current_user), strict=True)))
    return submit(form, lambda: registry.claim_certificate(current_user, form.data_input(),
                                                           form.photo_upload()),
                  page=page, done=_("Your certificate was sent. It counts once your class "
                                    "teacher approves it."), to=url_for(".certificates"))

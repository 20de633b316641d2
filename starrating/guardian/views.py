"""A guardian's pages (phone first): their children, one child's stars and records, the
report card, the 家长意见; and activating the account with the invitation code."""

from __future__ import annotations

from io import BytesIO

from flask import current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import services as auth_services
from ..boundary import submit
from ..services import guardians
from ..services.terms import term_for
from .blueprint import bp, guardian_required
from .forms import ActivateForm, OpinionForm


def _lang() -> str:
    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


def _term():
    return term_for(current_user, request.args.get("term"))


@bp.route("/")
@guardian_required
def index():
    term, cards = guardians.home_page(current_user)
    return render_template("guardian/index.html", term=term, cards=cards)


@bp.route("/child/<int:student_id>")
@guardian_required
def child(student_id: int):
    page = guardians.child_page(current_user, student_id, _term(), _lang())
    form = OpinionForm(text=page.opinion.text if page.opinion else "")
    return render_template("guardian/child.html", page=page, form=form)


@bp.post("/child/<int:student_id>/opinion")
@guardian_required
def opinion(student_id: int):
    form, term = OpinionForm(), _term()
    page = lambda: render_template(  # noqa: E731
        "guardian/child.html", form=form,
        page=guardians.child_page(current_user, student_id, term, _lang()))
    return submit(form, lambda: guardians.save_opinion(current_user, student_id, term,
                                                       form.text.data),
                  page=page, done=_("Your opinion was saved; it is printed on the report card."),
                  to=url_for(".child", student_id=student_id))


@bp.route("/child/<int:student_id>/card")
@guardian_required
def card(student_id: int):
    data, name = guardians.child_card(current_user, student_id, _term(),
                                      request.args.get("lang", _lang()))
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=name)


@bp.route("/child/<int:student_id>/evidence/<int:attachment_id>")
@guardian_required
def evidence(student_id: int, attachment_id: int):
    attachment, path = guardians.child_evidence(current_user, student_id, attachment_id)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    """The invitation code and a new password; then the guardian logs in with their phone."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = ActivateForm()
    if not auth_services.several_schools():
        del form.school
    return submit(form, lambda: guardians.activate(
        auth_services.login_school(form.school.data if form.school is not None else None),
        form.code.data, form.new_password.data, request.remote_addr or "",
        auth_services.Throttle.from_config(current_app.config)),
        page=lambda: render_template("guardian/activate.html", form=form),
        done=lambda user: _("Your account is active. Log in with %(name)s and your new "
                            "password.", name=user.username),
        to=url_for("auth.login"))

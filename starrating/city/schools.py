"""The city office's schools: the list, a school's page, creating and editing schools and
their admin accounts, and entering a school to look or to act."""

from __future__ import annotations

from flask import abort, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import city_required, login_required
from ..boundary import perform, submit
from ..services import schools
from .blueprint import bp
from .forms import EnterForm, SchoolAdminForm, school_form


@bp.route("/")
@city_required
def index():
    return render_template("city/index.html", schools=schools.list_schools(current_user),
                           enter_form=EnterForm())


@bp.route("/schools/new", methods=["GET", "POST"])
@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@city_required
def school_edit(school_id=None):
    school = schools.school_for(current_user, school_id) if school_id else None
    form = school_form(school)
    return submit(form, lambda: _save(school, form),
                  page=lambda: render_template("city/school_edit.html", form=form,
                                               school=school, zones=sorted(schools.zone_names())),
                  done=_("The school was saved."), to=lambda saved: url_for(
                      "city.school", school_id=saved.id))


def _save(school, form):
    data = form.logo.data
    logo = data.read() if data else None
    remove = bool(form.remove_logo and form.remove_logo.data)  # a deleted field is None
    return schools.save_school(current_user, school, form.input(), logo=logo,
                               remove_logo=remove)


@bp.route("/schools/<int:school_id>", methods=["GET", "POST"])
@city_required
def school(school_id):
    found = schools.school_for(current_user, school_id)
    form = SchoolAdminForm()

    def page(created=None):
        return render_template("city/school.html", school=found, form=form,
                               enter_form=EnterForm(), created=created,
                               admins=schools.admins_of(current_user, found))

    # The new account's initial password is shown once, on the page the POST answers.
    return submit(form, lambda: page(schools.create_school_admin(
        current_user, found, form.username.data, form.display_name.data)), page=page)


@bp.route("/schools/<int:school_id>/enter", methods=["POST"])
@city_required
def enter(school_id):
    found = schools.school_for(current_user, school_id)
    may_write = request.form.get("mode") == "write"
    if not EnterForm().validate_on_submit():
        abort(400)  # no CSRF token
    return perform(lambda: schools.enter_school(current_user, found, may_write=may_write),
                   done=(_("You are acting in %(school)s as its administrator; every change "
                           "is recorded with your name.", school=found.name) if may_write else
                         _("You are viewing %(school)s read-only.", school=found.name)),
                   to=url_for("admin.index"))


@bp.route("/leave", methods=["POST"])
@login_required
def leave():
    if not EnterForm().validate_on_submit():
        abort(400)
    return perform(lambda: schools.leave_school(current_user),
                   done=_("You left the school."), to=url_for("city.index"))


@bp.route("/logo/<code>")
def logo(code):
    """A school's logo (public, like the school's login page that shows it)."""
    found = schools.logo_of(code)
    if found is None:
        abort(404)
    response = make_response(found[0])
    response.headers["Content-Type"] = found[1]
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


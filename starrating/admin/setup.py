"""Setting up the school: terms, departments and majors, classes and class teachers,
students, teachers, clubs and their members. Each view parses, calls one service of
services/setup.py and says where to go; the request boundary commits."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..boundary import perform, submit
from ..models import Club, ClubMembership, SchoolClass, Student
from ..services import admin_reads as reads
from ..services import setup
from ..services.access import owned
from ..services.scoring import CLUB_MIN_DAYS
from ..services.terms import term_for
from . import forms
from .blueprint import bp
from .forms import STUDENT_STATUS_LABELS, TERM_STATUS_LABELS, TeacherForm, UploadForm


def _chosen_term():
    return term_for(current_user, request.args.get("term"))


# ---- terms -------------------------------------------------------------------------------------

@bp.route("/terms", endpoint="terms")
@admin_required
def terms_page():
    return render_template("admin/terms.html", rows=reads.term_rows(current_user),
                           status_labels=TERM_STATUS_LABELS)


@bp.route("/terms/new", methods=["GET", "POST"])
@bp.route("/terms/<int:term_id>", methods=["GET", "POST"])
@admin_required
def term_edit(term_id=None):
    term = setup.term_for_edit(current_user, term_id)
    form = forms.term_form(current_user, term)
    return submit(form, lambda: setup.save_term(current_user, term, form.data),
                  page=lambda: render_template("admin/term_edit.html", form=form, term=term),
                  done=_("The term was saved."), to=url_for("admin.terms"))


# ---- departments and majors -----------------------------------------------------------------

@bp.route("/departments", methods=["GET", "POST"])
@admin_required
def departments():
    dept_form, major_form = forms.department_forms(current_user)
    page = lambda: render_template(  # noqa: E731
        "admin/departments.html", tree=reads.departments_tree(current_user),
        dept_form=dept_form, major_form=major_form)
    to = url_for("admin.departments")
    if dept_form.submit.data:
        return submit(dept_form, lambda: setup.save_department(current_user, dept_form.name.data),
                      page=page, done=_("The department was added."), to=to)
    if major_form.submit.data:
        return submit(major_form, lambda: setup.save_major(
            current_user, major_form.department_id.data, major_form.name.data),
            page=page, done=_("The major was added."), to=to)
    return page()


@bp.post("/departments/<int:department_id>/rename")
@admin_required
def department_rename(department_id):
    return perform(lambda: setup.rename_department(current_user, department_id,
                                                   request.form.get("name")),
                   done=_("The department was renamed."), to=url_for("admin.departments"))


@bp.post("/departments/<int:department_id>/delete")
@admin_required
def department_delete(department_id):
    return perform(lambda: setup.delete_department(current_user, department_id),
                   done=_("The department was removed."), to=url_for("admin.departments"))


@bp.post("/majors/<int:major_id>/rename")
@admin_required
def major_rename(major_id):
    return perform(lambda: setup.rename_major(current_user, major_id, request.form.get("name")),
                   done=_("The major was renamed."), to=url_for("admin.departments"))


@bp.post("/majors/<int:major_id>/delete")
@admin_required
def major_delete(major_id):
    return perform(lambda: setup.delete_major(current_user, major_id),
                   done=_("The major was removed."), to=url_for("admin.departments"))


# ---- classes and class teachers ------------------------------------------------------------------

@bp.route("/classes", methods=["GET", "POST"])
@admin_required
def classes():
    term = _chosen_term()
    form = forms.class_form(current_user)
    page = lambda: render_template(  # noqa: E731
        "admin/classes.html", rows=reads.class_rows(current_user, term), form=form, term=term,
        terms=reads.term_choices(current_user), teachers=reads.teacher_choices(current_user))
    return submit(form, lambda: setup.save_class(current_user, form.data), page=page,
                  done=_("The class was added."),
                  to=url_for("admin.classes", term=term.id if term else None))


@bp.post("/classes/teachers")
@admin_required
def class_teachers():
    """Save the class teacher of every class of the term shown (one form, one commit)."""
    term_id = request.form.get("term_id", type=int)
    return perform(lambda: setup.set_class_teachers(current_user, term_id, request.form),
                   done=_("The class teachers were saved."),
                   to=url_for("admin.classes", term=term_id))


@bp.post("/classes/teachers/copy")
@admin_required
def class_teachers_copy():
    """Give every class of the term the class teacher it had in another term."""
    term_id = request.form.get("term_id", type=int)
    return perform(lambda: setup.copy_class_teachers(
        current_user, request.form.get("from_term_id", type=int), term_id),
        done=lambda n: _("%(n)d class teachers were copied.", n=n),
        to=url_for("admin.classes", term=term_id))


@bp.route("/assignments")
@admin_required
def assignments():
    """Class teachers are assigned on the classes page, per term."""
    return redirect(url_for("admin.classes", **request.args))


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@admin_required
def class_edit(class_id):
    school_class = owned(current_user, SchoolClass, class_id)
    form = forms.class_form(current_user, school_class)
    page = lambda: render_template(  # noqa: E731
        "admin/class_edit.html", form=form, school_class=school_class,
        password_form=forms.PasswordResetForm(formdata=None))
    return submit(form, lambda: setup.save_class(current_user, form.data, school_class),
                  page=page, done=_("The class was saved."), to=url_for("admin.classes"))


@bp.post("/classes/<int:class_id>/delete")
@admin_required
def class_delete(class_id):
    return perform(lambda: setup.delete_class(current_user, class_id),
                   done=_("The class was removed."), to=url_for("admin.classes"))


# ---- students ------------------------------------------------------------------------------------

@bp.route("/students")
@admin_required
def students():
    class_id = request.args.get("class_id", type=int)
    q = (request.args.get("q") or "").strip()
    page = reads.students_page(current_user, class_id, q, request.args.get("page", 1, type=int))
    return render_template("admin/students.html", page=page,
                           classes=reads.class_choices(current_user), class_id=class_id, q=q,
                           status_labels=STUDENT_STATUS_LABELS, upload=UploadForm())


@bp.route("/students/<int:student_id>", methods=["GET", "POST"])
@admin_required
def student_edit(student_id):
    student = owned(current_user, Student, student_id)
    form = forms.student_form(current_user, student)
    page = lambda: render_template(  # noqa: E731
        "admin/student_edit.html", form=form, student=student)
    return submit(form, lambda: setup.update_student(current_user, student.id, form.data),
                  page=page, done=_("The student was saved."),
                  to=lambda s: url_for("admin.students", class_id=s.class_id))


# ---- teachers ------------------------------------------------------------------------------------

@bp.route("/teachers", methods=["GET", "POST"])
@admin_required
def teachers():
    form = TeacherForm()
    return submit(form, lambda: _teachers_page(TeacherForm(formdata=None), setup.create_teacher(
        current_user, form.username.data, form.display_name.data)),
        page=lambda: _teachers_page(form))


def _teachers_page(form, created=None):
    """The teachers list; `created` (user, password) is shown once, in this response only:
    never stored, flashed into the cookie or cached."""
    if created is not None:
        user, password = created
        created = (user.username, user.display_name, password)
    response = make_response(render_template("admin/teachers.html", form=form, created=created,
                                             rows=reads.teacher_rows(current_user)))
    if created:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/teachers/<int:user_id>/reset")
@admin_required
def teacher_reset(user_id):
    return perform(lambda: _teachers_page(TeacherForm(formdata=None),
                                          setup.reset_teacher_password(current_user, user_id)))


@bp.post("/teachers/<int:user_id>/active")
@admin_required
def teacher_active(user_id):
    active = request.form.get("active") == "1"
    return perform(lambda: setup.set_user_active(current_user, user_id, active),
                   done=_("The account was activated.") if active
                   else _("The account was deactivated."), to=url_for("admin.teachers"))


# ---- clubs and members -----------------------------------------------------------------------------

@bp.route("/clubs", methods=["GET", "POST"])
@admin_required
def clubs():
    term = _chosen_term()
    form = forms.club_form(current_user)
    page = lambda: render_template(  # noqa: E731
        "admin/clubs.html", rows=reads.club_rows(current_user, term), form=form, term=term,
        upload=UploadForm(prefix="clubs"))
    return submit(form, lambda: setup.save_club(current_user, form.data), page=page,
                  done=_("The club was added."),
                  to=lambda club: url_for("admin.club_detail", club_id=club.id))


@bp.route("/clubs/<int:club_id>", methods=["GET", "POST"])
@admin_required
def club_detail(club_id):
    club = owned(current_user, Club, club_id)
    term = _chosen_term()
    form, member_form = forms.club_detail_forms(current_user, club)
    page = lambda: render_template(  # noqa: E731
        "admin/club_detail.html", club=club, form=form, member_form=member_form, term=term,
        members=reads.club_members(current_user, club, term),
        terms=reads.term_choices(current_user), min_days=CLUB_MIN_DAYS)
    if form.submit.data:
        return submit(form, lambda: setup.save_club(current_user, form.data, club), page=page,
                      done=_("The club was saved."), to=url_for("admin.club_detail", club_id=club.id))
    if member_form.submit.data and term is not None:
        return submit(member_form, lambda: setup.add_member(current_user, club, term,
                                                            member_form.data),
                      page=page, done=_("The member was added."),
                      to=url_for("admin.club_detail", club_id=club.id, term=term.id))
    return page()


@bp.post("/memberships/<int:membership_id>/leave")
@admin_required
def membership_leave(membership_id):
    membership = owned(current_user, ClubMembership, membership_id)
    return perform(lambda: setup.leave_club(current_user, membership_id,
                                            request.form.get("left_on") or ""),
                   done=_("The membership was updated."),
                   to=url_for("admin.club_detail", club_id=membership.club_id,
                              term=membership.term_id))


@bp.post("/memberships/<int:membership_id>/delete")
@admin_required
def membership_delete(membership_id):
    membership = owned(current_user, ClubMembership, membership_id)
    to = url_for("admin.club_detail", club_id=membership.club_id, term=membership.term_id)
    return perform(lambda: setup.remove_membership(current_user, membership_id),
                   done=_("The membership was removed."), to=to)


@bp.post("/clubs/<int:club_id>/delete")
@admin_required
def club_delete(club_id):
    return perform(lambda: setup.delete_club(current_user, club_id),
                   done=_("The club was removed."), to=url_for("admin.clubs"))

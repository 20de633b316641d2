"""Setting up the school: terms, departments and majors, classes and class teachers,
students, teachers, clubs and their members."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    ClassAssignment,
    Club,
    ClubMembership,
    Department,
    Major,
    Role,
    RuleSet,
    RuleSetVersion,
    SchoolClass,
    Student,
    Term,
    User,
)
from ..services import setup
from . import bp
from .common import (
    chosen_term,
    class_choices,
    department_choices,
    failed,
    major_choices,
    school_id,
    teacher_choices,
    terms,
)
from .forms import (
    STUDENT_STATUS_LABELS,
    TERM_STATUS_LABELS,
    ClassForm,
    ClubForm,
    MajorForm,
    MembershipForm,
    NameForm,
    StudentForm,
    TeacherForm,
    TermForm,
    UploadForm,
)

PER_PAGE = 50


# ---- terms -------------------------------------------------------------------------------------

def _version_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(RuleSetVersion.id, RuleSet.name, RuleSetVersion.version)
        .join(RuleSet).where(RuleSet.school_id == school_id())
        .order_by(RuleSet.name, RuleSetVersion.version.desc()))
    return [("", _("(none yet)"))] + [(str(i), f"{n} · v{v}") for i, n, v in rows]


@bp.route("/terms", endpoint="terms")
@admin_required
def terms_page():
    rows = db.session.execute(
        sa.select(Term, RuleSet.name, RuleSetVersion.version)
        .outerjoin(RuleSetVersion, RuleSetVersion.id == Term.rule_version_id)
        .outerjoin(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
        .where(Term.school_id == school_id()).order_by(Term.start_date.desc())).all()
    return render_template("admin/terms.html", rows=rows, status_labels=TERM_STATUS_LABELS)


@bp.route("/terms/new", methods=["GET", "POST"])
@bp.route("/terms/<int:term_id>", methods=["GET", "POST"])
@admin_required
def term_edit(term_id=None):
    term = setup.owned(current_user, Term, term_id) if term_id else None
    form = TermForm(obj=term)
    form.rule_version_id.choices = _version_choices()
    if request.method == "GET" and term is not None:
        form.rule_version_id.data = str(term.rule_version_id or "")
        form.status.data = term.status.value
    if form.validate_on_submit():
        try:
            if term is None:
                term = setup.create_term(current_user, form.data)
            else:
                setup.update_term(current_user, term, form.data)
        except ValidationFailed as e:
            failed(form, e)
        else:
            db.session.commit()
            flash(_("The term was saved."), "success")
            return redirect(url_for("admin.terms"))
    return render_template("admin/term_edit.html", form=form, term=term)


# ---- departments and majors -----------------------------------------------------------------

@bp.route("/departments", methods=["GET", "POST"])
@admin_required
def departments():
    dept_form = NameForm(prefix="dept")
    major_form = MajorForm(prefix="major")
    major_form.department_id.choices = department_choices()
    if dept_form.submit.data and dept_form.validate_on_submit():
        try:
            setup.save_department(current_user, dept_form.name.data)
        except ValidationFailed as e:
            failed(dept_form, e)
        else:
            db.session.commit()
            flash(_("The department was added."), "success")
            return redirect(url_for("admin.departments"))
    elif major_form.submit.data and major_form.validate_on_submit():
        try:
            setup.save_major(current_user, major_form.department_id.data, major_form.name.data)
        except ValidationFailed as e:
            failed(major_form, e)
        else:
            db.session.commit()
            flash(_("The major was added."), "success")
            return redirect(url_for("admin.departments"))
    rows = db.session.execute(
        sa.select(Department, Major, sa.func.count(SchoolClass.id))
        .outerjoin(Major, Major.department_id == Department.id)
        .outerjoin(SchoolClass, SchoolClass.major_id == Major.id)
        .where(Department.school_id == school_id())
        .group_by(Department.id, Major.id).order_by(Department.name, Major.name)).all()
    tree: dict = {}
    for dept, major, n in rows:
        tree.setdefault(dept, [])
        if major is not None:
            tree[dept].append((major, n))
    return render_template("admin/departments.html", tree=tree, dept_form=dept_form,
                           major_form=major_form)


@bp.post("/departments/<int:department_id>/rename")
@admin_required
def department_rename(department_id):
    department = setup.owned(current_user, Department, department_id)
    return _simple(lambda: setup.save_department(current_user, request.form.get("name"),
                                                 department),
                   _("The department was renamed."), "admin.departments")


@bp.post("/departments/<int:department_id>/delete")
@admin_required
def department_delete(department_id):
    return _simple(lambda: setup.delete_department(current_user, department_id),
                   _("The department was removed."), "admin.departments")


@bp.post("/majors/<int:major_id>/rename")
@admin_required
def major_rename(major_id):
    major = setup.owned(current_user, Major, major_id)
    return _simple(lambda: setup.save_major(current_user, major.department_id,
                                            request.form.get("name"), major),
                   _("The major was renamed."), "admin.departments")


@bp.post("/majors/<int:major_id>/delete")
@admin_required
def major_delete(major_id):
    return _simple(lambda: setup.delete_major(current_user, major_id),
                   _("The major was removed."), "admin.departments")


def _simple(action, message: str, endpoint: str, **values):
    """POST-only actions without a form page: run, commit, flash, back to the list."""
    try:
        action()
    except ValidationFailed as e:
        db.session.rollback()
        flash(str(e.message or _("Please correct the marked fields.")) + _details(e), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _details(error: ValidationFailed) -> str:
    messages = [str(m) for ms in error.errors.values() for m in ms]
    return (" " + " ".join(messages)) if messages else ""


# ---- classes and class teachers ------------------------------------------------------------------

@bp.route("/classes", methods=["GET", "POST"])
@admin_required
def classes():
    all_terms = terms()
    term = chosen_term(all_terms)
    form = ClassForm()
    form.major_id.choices = major_choices()
    if form.validate_on_submit():
        try:
            setup.save_class(current_user, form.data)
        except ValidationFailed as e:
            failed(form, e)
        else:
            db.session.commit()
            flash(_("The class was added."), "success")
            return redirect(url_for("admin.classes", term=term.id if term else None))
    student_count = (sa.select(sa.func.count(Student.id)).where(Student.class_id == SchoolClass.id)
                     .correlate(SchoolClass).scalar_subquery())
    query = (sa.select(SchoolClass, Major.name, Department.name, student_count,
                       ClassAssignment.teacher_id)
             .join(Major, Major.id == SchoolClass.major_id)
             .join(Department, Department.id == Major.department_id)
             .outerjoin(ClassAssignment, sa.and_(ClassAssignment.class_id == SchoolClass.id,
                                                 ClassAssignment.term_id == (term.id if term
                                                                             else -1)))
             .where(SchoolClass.school_id == school_id())
             .order_by(SchoolClass.grade.desc(), SchoolClass.name))
    rows = db.session.execute(query).all()
    return render_template("admin/classes.html", rows=rows, form=form, term=term,
                           terms=all_terms, teachers=teacher_choices())


@bp.post("/classes/teachers")
@admin_required
def class_teachers():
    """Save the class teacher of every class of the term shown (one form, one commit)."""
    term_id = request.form.get("term_id", type=int)
    try:
        for key, value in request.form.items():
            if key.startswith("teacher_"):
                if not key[8:].isdigit():
                    raise ValidationFailed(_("Choose an active teacher."))
                setup.set_class_teacher(current_user, term_id, int(key[8:]), value or None)
    except ValidationFailed as e:
        db.session.rollback()
        flash(str(e.message), "error")
    else:
        db.session.commit()
        flash(_("The class teachers were saved."), "success")
    return redirect(url_for("admin.classes", term=term_id))


@bp.post("/classes/teachers/copy")
@admin_required
def class_teachers_copy():
    """Give every class of the term the class teacher it had in another term."""
    term_id = request.form.get("term_id", type=int)
    from_id = request.form.get("from_term_id", type=int)
    try:
        n = setup.copy_class_teachers(current_user, from_id, term_id)
    except ValidationFailed as e:
        db.session.rollback()
        flash(str(e.message), "error")
    else:
        db.session.commit()
        flash(_("%(n)d class teachers were copied.", n=n), "success")
    return redirect(url_for("admin.classes", term=term_id))


@bp.route("/assignments")
@admin_required
def assignments():
    """Class teachers are assigned on the classes page, per term."""
    return redirect(url_for("admin.classes", **request.args))


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@admin_required
def class_edit(class_id):
    school_class = setup.owned(current_user, SchoolClass, class_id)
    form = ClassForm(obj=school_class)
    form.major_id.choices = major_choices()
    if request.method == "GET":
        form.major_id.data = str(school_class.major_id)
    if form.validate_on_submit():
        try:
            setup.save_class(current_user, form.data, school_class)
        except ValidationFailed as e:
            failed(form, e)
        else:
            db.session.commit()
            flash(_("The class was saved."), "success")
            return redirect(url_for("admin.classes"))
    return render_template("admin/class_edit.html", form=form, school_class=school_class)


@bp.post("/classes/<int:class_id>/delete")
@admin_required
def class_delete(class_id):
    return _simple(lambda: setup.delete_class(current_user, class_id),
                   _("The class was removed."), "admin.classes")


# ---- students ------------------------------------------------------------------------------------

@bp.route("/students")
@admin_required
def students():
    class_id = request.args.get("class_id", type=int)
    q = (request.args.get("q") or "").strip()
    query = (sa.select(Student).join(SchoolClass)
             .options(sa.orm.contains_eager(Student.school_class))
             .where(Student.school_id == school_id()))
    if class_id:
        query = query.where(Student.class_id == class_id)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(sa.or_(Student.name.like(like), Student.student_no.like(like)))
    page = db.paginate(query.order_by(SchoolClass.name, Student.student_no), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, count=True)
    return render_template("admin/students.html", page=page, classes=class_choices(),
                           class_id=class_id, q=q, status_labels=STUDENT_STATUS_LABELS,
                           upload=UploadForm())


@bp.route("/students/<int:student_id>", methods=["GET", "POST"])
@admin_required
def student_edit(student_id):
    student = setup.owned(current_user, Student, student_id)
    form = StudentForm(obj=student)
    form.class_id.choices = class_choices()
    if request.method == "GET":
        form.class_id.data = str(student.class_id)
        form.gender.data = student.gender.value
        form.status.data = student.status.value
    if form.validate_on_submit():
        try:
            setup.update_student(current_user, student.id, form.data)
        except ValidationFailed as e:
            failed(form, e)
        else:
            db.session.commit()
            flash(_("The student was saved."), "success")
            return redirect(url_for("admin.students", class_id=student.class_id))
    return render_template("admin/student_edit.html", form=form, student=student)


# ---- teachers ------------------------------------------------------------------------------------

@bp.route("/teachers", methods=["GET", "POST"])
@admin_required
def teachers():
    form = TeacherForm()
    created = None
    if form.validate_on_submit():
        try:
            user, password = setup.create_teacher(current_user, form.username.data,
                                                  form.display_name.data)
        except ValidationFailed as e:
            failed(form, e)
        else:
            db.session.commit()
            # Shown once, in this response only: never stored or flashed into the cookie.
            created = (user.username, user.display_name, password)
            form = TeacherForm(formdata=None)
    return _teachers_page(form, created)


def _teachers_page(form, created=None, status=200):
    classes_now = (sa.select(sa.func.count(ClassAssignment.id))
                   .where(ClassAssignment.teacher_id == User.id).correlate(User)
                   .scalar_subquery())
    rows = db.session.execute(
        sa.select(User, classes_now).where(User.school_id == school_id(),
                                           User.role == Role.TEACHER)
        .order_by(User.active.desc(), User.display_name)).all()
    response = make_response(render_template("admin/teachers.html", rows=rows, form=form,
                                             created=created), status)
    if created:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/teachers/<int:user_id>/reset")
@admin_required
def teacher_reset(user_id):
    try:
        user, password = setup.reset_teacher_password(current_user, user_id)
    except ValidationFailed as e:
        failed(None, e)
        return redirect(url_for("admin.teachers"))
    db.session.commit()
    return _teachers_page(TeacherForm(formdata=None),
                          created=(user.username, user.display_name, password))


@bp.post("/teachers/<int:user_id>/active")
@admin_required
def teacher_active(user_id):
    active = request.form.get("active") == "1"
    return _simple(lambda: setup.set_user_active(current_user, user_id, active),
                   _("The account was activated.") if active
                   else _("The account was deactivated."), "admin.teachers")


# ---- clubs and members -----------------------------------------------------------------------------

@bp.route("/clubs", methods=["GET", "POST"])
@admin_required
def clubs():
    term = chosen_term()
    form = ClubForm()
    form.advisor_id.choices = [("", _("(none)"))] + teacher_choices()
    if form.validate_on_submit():
        try:
            club = setup.save_club(current_user, form.data)
        except ValidationFailed as e:
            failed(form, e)
        else:
            db.session.commit()
            flash(_("The club was added."), "success")
            return redirect(url_for("admin.club_detail", club_id=club.id))
    members = (sa.select(sa.func.count(ClubMembership.id))
               .where(ClubMembership.club_id == Club.id,
                      ClubMembership.term_id == (term.id if term else -1))
               .correlate(Club).scalar_subquery())
    rows = db.session.execute(
        sa.select(Club, User.display_name, members)
        .outerjoin(User, User.id == Club.advisor_id)
        .where(Club.school_id == school_id()).order_by(Club.name)).all()
    return render_template("admin/clubs.html", rows=rows, form=form, term=term,
                           upload=UploadForm(prefix="clubs"))


@bp.route("/clubs/<int:club_id>", methods=["GET", "POST"])
@admin_required
def club_detail(club_id):
    club = setup.owned(current_user, Club, club_id)
    all_terms = terms()
    term = chosen_term(all_terms)
    form = ClubForm(obj=club, prefix="club")
    form.advisor_id.choices = [("", _("(none)"))] + teacher_choices()
    if request.method == "GET":
        form.advisor_id.data = str(club.advisor_id or "")
    member_form = MembershipForm(prefix="member")
    if form.submit.data and form.validate_on_submit():
        try:
            setup.save_club(current_user, form.data, club)
        except ValidationFailed as e:
            failed(form, e)
        else:
            db.session.commit()
            flash(_("The club was saved."), "success")
            return redirect(url_for("admin.club_detail", club_id=club.id))
    elif member_form.submit.data and member_form.validate_on_submit() and term is not None:
        try:
            setup.add_membership(current_user, club.id, term.id, member_form.student_no.data,
                                 member_form.role.data, member_form.joined_on.data)
        except ValidationFailed as e:
            failed(member_form, e)
        else:
            db.session.commit()
            flash(_("The member was added."), "success")
            return redirect(url_for("admin.club_detail", club_id=club.id, term=term.id))
    members = []
    if term is not None:
        members = db.session.execute(
            sa.select(ClubMembership, Student, SchoolClass.name)
            .join(Student, Student.id == ClubMembership.student_id)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .where(ClubMembership.club_id == club.id, ClubMembership.term_id == term.id)
            .order_by(SchoolClass.name, Student.student_no)).all()
    return render_template("admin/club_detail.html", club=club, form=form,
                           member_form=member_form, members=members, term=term,
                           terms=all_terms, min_days=_min_days())


def _min_days() -> int:
    from ..services.scoring import CLUB_MIN_DAYS

    return CLUB_MIN_DAYS


@bp.post("/memberships/<int:membership_id>/leave")
@admin_required
def membership_leave(membership_id):
    from datetime import date

    membership = setup.owned(current_user, ClubMembership, membership_id)
    raw = request.form.get("left_on") or ""
    try:
        left_on = date.fromisoformat(raw) if raw else None
    except ValueError:
        flash(_("Enter a date."), "error")
        return redirect(url_for("admin.club_detail", club_id=membership.club_id,
                                term=membership.term_id))
    return _simple(lambda: setup.end_membership(current_user, membership_id, left_on),
                   _("The membership was updated."), "admin.club_detail",
                   club_id=membership.club_id, term=membership.term_id)


@bp.post("/memberships/<int:membership_id>/delete")
@admin_required
def membership_delete(membership_id):
    membership = setup.owned(current_user, ClubMembership, membership_id)
    club_id, term_id = membership.club_id, membership.term_id
    return _simple(lambda: setup.remove_membership(current_user, membership_id),
                   _("The membership was removed."), "admin.club_detail",
                   club_id=club_id, term=term_id)


@bp.post("/clubs/<int:club_id>/delete")
@admin_required
def club_delete(club_id):
    return _simple(lambda: setup.delete_club(current_user, club_id),
                   _("The club was removed."), "admin.clubs")

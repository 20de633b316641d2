"""Authorization matrix: every route × every kind of user × GET and POST, with two schools and
the city office.

The routes come from `app.url_map` at collection time, so a new route fails
`test_every_route_has_a_row` until it is given a row in ROWS. Each row names a URL builder
(ids of school A's own objects) and, per method, the expected outcome class for each actor:

    L  "login"  302 to /login
    D  "deny"   403 or 404
    A  "allow"  anything else but 401/403/404/405/5xx (200, 302, 400, 409, 413 …)
    N  "none"   405: the method is not routed

Actors, in this order (one letter each in an expectation string):

    anon           nobody logged in
    student        students[0] of school A's class_a
    other_student  a student of school A's class_b
    teacher        school A's class teacher of class_a
    other_teacher  school A's class teacher of class_b
    admin          school A's admin
    b_student      a student of school B (a school set up like A, same usernames)
    b_teacher      school B's class teacher
    b_admin        school B's admin
    city           the city office, outside any school
    city_read      the city office inside school A, read-only
    city_act       the city office inside school A, acting as its admin

Denied actors go first: a POST by an allowed actor may change state, and the denied ones must
find it unchanged (every table's rows are compared). `city_act`'s POSTs run in a test of their
own (`test_city_acting_writes_are_audited`) on a fresh school: it is allowed wherever school
A's admin is, and the two would otherwise undo each other's objects.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import re
import secrets
from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import (
    Appeal,
    Attachment,
    Club,
    ClubMembership,
    Flag,
    Role,
    StudentTermNote,
)
from tests import snapshot
from tests.evaluation.helpers import matrix_context as evaluation_context
from tests.families.matrix_rows import add_families, family_rows
from tests.security.helpers import TINY_PNG, build_app, table_counts, table_dump

ACTORS = ("anon", "student", "other_student", "teacher", "other_teacher", "admin",
          "b_student", "b_teacher", "b_admin", "city", "city_read", "city_act")
SCHOOL_B = ("b_student", "b_teacher", "b_admin")
CITY = ("city", "city_read", "city_act")

# Expected outcome per actor, in ACTORS order; the groups are: anonymous | school A's five |
# school B's three | the city office outside, inside A read-only, inside A acting.
#                  a  sSttA  sta  crw
ADMIN_PAGE = "L" "DDDDA" "DDA" "DAA"  # admin pages without an object of the school
ADMIN_OBJ = "L" "DDDDA" "DDD" "DAA"  # admin pages about one object of school A
STAFF_PAGE = "L" "DDAAA" "DAA" "DAA"  # any teacher or admin, showing only their own things
STAFF_OWN = "L" "DDADA" "DDD" "DAA"  # class_a's things: its class teacher and A's admin
STUDENT_PAGE = "L" "AADDD" "ADD" "DDD"  # a student's own pages (no id in the URL)
STUDENT_OWN = "L" "ADDDD" "DDD" "DDD"  # one of students[0]'s things, for students[0] only
EVIDENCE = "L" "ADADA" "DDD" "DAA"  # students[0]'s file: them, the class teacher, the admin
ANY_USER = "L" "AAAAA" "AAA" "AAA"
PUBLIC = "A" * len(ACTORS)
NONE = "N" * len(ACTORS)
CITY_PAGE = "L" "DDDDD" "DDD" "AAA"  # the city office's pages, inside a school or not
CITY_OUTSIDE = "L" "DDDDD" "DDD" "ADD"  # city-wide writes: only outside any school


def write(expected: str) -> str:
    """A POST's expectations: the read-only city visit is refused every write."""
    i = ACTORS.index("city_read")
    return expected[:i] + ("D" if expected[i] == "A" else expected[i]) + expected[i + 1:]


# ---- the school the matrix runs against --------------------------------------------------------

def build_context(make, publish=True):
    """The `school` fixture's school plus one of everything a URL can point at. Built once
    per worker (for each `publish`) and restored from a snapshot after that (tests/snapshot.py):
    the rows, the files and the objects are the ones a build would give, in the test's own
    database."""
    return snapshot.cached(("matrix", publish), make, lambda: _build_context(make, publish))


def _build_context(make, publish):
    from starrating.jobs import run_export
    from starrating.services import evidence
    from starrating.services.reports import jobs as export_jobs

    c = make.school_setup()
    student = c.students[0]
    c.entry = make.entry(c.term, student, "moral.service", "2", author=c.teacher)
    c.attachment = evidence.store(c.teacher, evidence.check_file(TINY_PNG, "proof.png"),
                                  entry=c.entry)
    c.appeal = Appeal(term_id=c.term.id, student_id=student.id, entry_id=c.entry.id,
                      text="分数记错了")
    db.session.add(c.appeal)
    db.session.flush()
    folder = evidence.evidence_dir()
    stored = f"{secrets.token_hex(16)}.png"
    (folder / stored).write_bytes(TINY_PNG)
    c.appeal_file = Attachment(appeal_id=c.appeal.id, student_id=student.id,
                               original_name="appeal.png", stored_name=stored,
                               content_type="image/png", size=len(TINY_PNG),
                               sha256=hashlib.sha256(TINY_PNG).hexdigest(),
                               uploaded_by_id=c.student_user.id)
    c.club = Club(school_id=c.school.id, name="机器人社", description="")
    db.session.add(c.club)
    db.session.flush()
    c.membership = ClubMembership(club_id=c.club.id, student_id=student.id, term_id=c.term.id,
                                  joined_on=date(2026, 9, 10))
    c.flag = Flag(term_id=c.term.id, student_id=student.id, key="sanction.warning",
                  start_date=date(2026, 10, 1), note="")
    db.session.add_all([c.appeal_file, c.membership, c.flag,
                        StudentTermNote(term_id=c.term.id, student_id=student.id)])
    db.session.flush()
    c.version_id = c.term.rule_version_id
    from starrating.models import RuleSetVersion

    c.rule_set_id = db.session.get(RuleSetVersion, c.version_id).rule_set_id
    job = export_jobs.start_export(c.teacher, "xlsx", c.term, c.class_a)
    # School B: set up like A, with the same usernames (teacher_a, admin1 …: unique per school).
    c.b = make.school_setup(students_per_class=2)
    c.b.school.name = "另一所技师学院"
    c.b.entry = make.entry(c.b.term, c.b.students[0], "moral.service", "3", author=c.b.teacher)
    c.other_school, c.other_term, c.other_admin = c.b.school, c.b.term, c.b.admin
    # The city office: one account of no school; A has a logo (its URL is public).
    c.city = make.user(Role.CITY, None, username="city", display_name="市教育局")
    c.school.logo, c.school.logo_type = TINY_PNG, "image/png"
    db.session.commit()
    evaluation_context(c)  # before publishing: entries and proposals are written while open
    from tests.workflow.helpers import publish as publish_classes

    if publish:  # in the notice period: appeals can be decided, cards printed
        publish_classes(c, [c.class_a.id, c.class_b.id])
    run_export(job.id)  # a finished export of class_a by its class teacher
    c.job_id = job.id
    c.quick_event_id = quick_event(c)
    registry_objects(c)
    city_objects(c, run_export)
    add_families(c)
    return c


def city_objects(c, run_export) -> None:
    """A published city recommendation and a finished city workbook (issue 14)."""
    from starrating.demo import default_rules_source
    from starrating.services import city_rules
    from starrating.services.reports.jobs import start_city_export

    version = city_rules.create_recommendation(c.city, "市推荐细则", default_rules_source(),
                                               "初版")
    city_rules.publish(c.city, version.city_rule_set_id, None)
    c.city_rule_set_id, c.city_rule_version_id = version.city_rule_set_id, version.id
    job = start_city_export(c.city)
    db.session.commit()
    run_export(job.id)
    c.city_job_id = job.id


def registry_objects(c) -> None:
    """岗课赛证 (area registry): a competition with a result of students[0] (before the classes
    were published it would count; now changes are refused with 409, still "allowed"), and a
    pending certificate claim of students[0] with its photo."""
    from starrating.models import Certificate, Competition, CompetitionResult
    from starrating.services import evidence

    c.competition = Competition(school_id=c.school.id, name="省技能大赛", level="province",
                                held_on=date(2026, 10, 15), organiser="省教育厅")
    db.session.add(c.competition)
    db.session.flush()
    c.competition_result = CompetitionResult(competition_id=c.competition.id,
                                             student_id=c.students[0].id, award="second")
    photo = evidence.store(c.student_user, evidence.check_file(TINY_PNG, "cert.png"),
                           student_id=c.students[0].id)
    db.session.flush()
    c.claim = Certificate(school_id=c.school.id, student_id=c.students[0].id, name="电工证",
                          level="level4", issued_on=date(2026, 10, 20), number="X1",
                          status="pending", claimed=True, attachment_id=photo.id)
    db.session.add_all([c.competition_result, c.claim])
    db.session.commit()


def registry_token(c, who):
    from starrating.services import sheets

    user = users_of(c)[who] or c.admin
    school_id = c.other_school.id if who in ("other_admin", "b_admin") else c.school.id
    return sheets.stage("registry", user, "学号,证书名称\n".encode(), "certs.csv",
                        school_id=school_id)


def users_of(c) -> dict:
    return {"anon": None, "student": c.student_user, "other_student": c.other_student_user,
            "teacher": c.teacher, "other_teacher": c.other_teacher, "admin": c.admin,
            "b_student": c.b.student_user, "b_teacher": c.b.teacher, "b_admin": c.b.admin,
            "city": c.city, "city_read": c.city, "city_act": c.city}


VISITS = {"city_read": False, "city_act": True}  # the city user inside school A: may write?


def act_as(act, c, who):
    """An Actor for `who`; the city visits sign in the city user and put school A (and the
    chosen mode) on their login session, as POST /city/schools/<id>/enter does."""
    actor = act(users_of(c)[who])
    if who in VISITS:
        login_session = c.city.current_login_session  # the one login_as just started
        login_session.school_id, login_session.may_write = c.school.id, VISITS[who]
        db.session.commit()
    return actor


@contextlib.contextmanager
def visiting(c, who):
    """The city user as the request will see them inside school A (for staging an upload in
    their name); back to the stored row afterwards."""
    from starrating.auth.sessions import CityVisit, enter_as_admin

    user = c.city
    enter_as_admin(user, CityVisit(c.school.id, VISITS[who]))
    try:
        yield user
    finally:
        user.city_visit = None
        db.session.expire(user)


def staged_by(c, who, default, stage):
    """`stage(user)` as `who` (the city visits: inside school A), `default` for anonymous."""
    if who in VISITS:
        with visiting(c, who) as user:
            return stage(user)
    return stage(users_of(c)[who] or default)


def roster_token(c, who):
    from starrating.services import roster

    sheet = xlsx([["学号", "姓名", "性别", "班级", "状态"],
                  [f"2025{secrets.randbelow(10**6):06d}", "新生", "男", c.class_a.name, "在读"]])
    return staged_by(c, who, c.admin, lambda user: roster.stage_upload(user, sheet,
                                                                        "roster.xlsx"))


def xlsx(rows) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def password_sheet_token(c, who):
    from starrating.services import roster

    return roster.write_password_sheet(c.admin, [("2024000001", "学生", "24机电1班", "abc12345")])


def clubs_token(c, who):
    from starrating.services import sheets

    term = c.b.term if who in SCHOOL_B else c.term  # each admin's current term
    return staged_by(c, who, c.admin, lambda user: sheets.stage(
        "clubs", user, "学号,社团\n".encode(), "clubs.csv", term_id=term.id))


CLASS_TEACHER_ONLY = "L" "DDADD" "DDD" "DDD"  # class_a's class teacher only (quick events)


def quick_event(c) -> int:
    from starrating.services import quick_events

    event = quick_events.save_quick_event(c.teacher, c.term, c.class_a.id, quick_events
                                          .QuickEventInput(label="值日 +2",
                                                           indicator="moral.service",
                                                           points="2"))
    db.session.commit()
    return event.id


def entries_token(c, who):
    from starrating.services import entry_import

    return staged_by(c, who, c.teacher, lambda user: entry_import.stage(
        user, c.term, c.class_a.id, b"not really a workbook", "entries.xlsx"))


def ROLLOVER_FORM(c, **extra):  # noqa: N802
    return {"source_term_id": c.term.id, "name": "下学期", "start_date": "2027-02-22",
            "end_date": "2027-07-09", "notice_days": "5", "status": "planning",
            "copy_assignments": "y", **extra}


def COHORT_FORM(c, **extra):  # noqa: N802
    return {"selection": "class", "class_id": c.class_a.id, "from_status": "suspended",
            "to_status": "active", **extra}


# ---- the rows: endpoint → (URL builder, {method: expectations}) ------------------------------------

def row(url, get=None, post=None, data=None, shadowed=False, visit_free=False,
        classmates=False):
    """`data(c)`: the POST's form (ids of the school's objects); `shadowed`: the method is not
    routed on this rule but another rule matches the same URL. A POST is refused to the
    read-only city visit unless `visit_free` (leaving, logging out, the language: see
    auth/sessions.CITY_VISIT_FREE). `classmates`: a student's page that names their
    classmates (whom to rate, whom an officer proposes for)."""
    for expected in (get, post):
        assert expected is None or len(expected) == len(ACTORS), (url, expected)
    if post is not None and not visit_free:
        post = write(post)
    return {"url": url, "GET": get, "POST": post, "data": data or (lambda c: {}),
            "shadowed": shadowed, "visit_free": visit_free, "classmates": classmates}


def static(path):
    return lambda c, who: path


ROWS = {
    # public and account pages
    "main.index": row(static("/"), get=ANY_USER),
    "main.healthz": row(static("/healthz"), get=PUBLIC),
    "main.favicon": row(static("/favicon.ico"), get=PUBLIC),
    "main.set_language": row(static("/lang/en"), post=PUBLIC, visit_free=True),
    # A logged-in user is sent home; the read-only city visit is refused the POST first.
    "auth.login": row(static("/login"), get=PUBLIC, post=PUBLIC),
    "auth.school_login": row(lambda c, w: f"/s/{c.school.code}/login", get=PUBLIC,
                             post=PUBLIC),
    "auth.city_login": row(static("/city/login"), get=PUBLIC, post=PUBLIC),
    # Logging out lands on the login page: L for everyone (anonymous is sent there too).
    "auth.logout": row(static("/logout"), post="L" * len(ACTORS), visit_free=True),
    "auth.change_password": row(static("/password"), get=ANY_USER, post=ANY_USER,
                                visit_free=True),
    "auth.unlock": row(lambda c, w: f"/accounts/{c.teacher.id}/unlock", post=ADMIN_OBJ),
    # student
    "student.index": row(static("/student/"), get=STUDENT_PAGE),
    "student.entries": row(static("/student/entries"), get=STUDENT_PAGE),
    "student.appeals": row(static("/student/appeals"), get=STUDENT_PAGE, post=STUDENT_PAGE),
    "student.statement": row(static("/student/statement"), post=STUDENT_PAGE),
    # teacher
    "teacher.index": row(static("/teacher/"), get=STAFF_PAGE),
    "teacher.appeals": row(static("/teacher/appeals"), get=STAFF_PAGE),
    "teacher.appeal": row(lambda c, w: f"/teacher/appeals/{c.appeal.id}", get=STAFF_OWN),
    "teacher.accept_appeal": row(lambda c, w: f"/teacher/appeals/{c.appeal.id}/accept",
                                 post=STAFF_OWN),
    "teacher.reject_appeal": row(lambda c, w: f"/teacher/appeals/{c.appeal.id}/reject",
                                 post=STAFF_OWN),
    "teacher.class_page": row(lambda c, w: f"/teacher/class/{c.class_a.id}", get=STAFF_OWN),
    "teacher.grid": row(lambda c, w: f"/teacher/class/{c.class_a.id}/grid",
                        get=STAFF_OWN, post=STAFF_OWN),
    "teacher.import_entries": row(lambda c, w: f"/teacher/class/{c.class_a.id}/import",
                                  get=STAFF_OWN, post=STAFF_OWN),
    # The kept upload belongs to whoever uploaded it: each actor confirms their own.
    "teacher.import_confirm": row(
        lambda c, w: f"/teacher/class/{c.class_a.id}/import/{entries_token(c, w)}",
        post=STAFF_OWN),
    # A POST here matches import_confirm with the token "template.xlsx": not a token.
    "teacher.import_template": row(
        lambda c, w: f"/teacher/class/{c.class_a.id}/import/template.xlsx", get=STAFF_OWN,
        post="L" + "D" * (len(ACTORS) - 1), shadowed=True),
    "teacher.class_workflow": row(lambda c, w: f"/teacher/class/{c.class_a.id}/status",
                                  get=STAFF_OWN),
    "teacher.submit_class": row(lambda c, w: f"/teacher/class/{c.class_a.id}/submit",
                                post=STAFF_OWN),
    "teacher.delete_entry": row(lambda c, w: f"/teacher/entry/{c.entry.id}/delete",
                                post=STAFF_OWN),
    "teacher.entry_history": row(lambda c, w: f"/teacher/entry/{c.entry.id}/history",
                                 get=STAFF_OWN),
    "teacher.edit_entry": row(lambda c, w: f"/teacher/entry/{c.entry.id}/edit",
                              get=STAFF_OWN, post=STAFF_OWN),
    # The form lists only the actor's own students; a POST for another class's student is
    # refused inside (tested in test_hostile: nothing written).
    "teacher.new_entry": row(static("/teacher/entry/new"), get=STAFF_PAGE, post=STAFF_PAGE),
    # Quick events (area phones): class_a's class teacher in the term in force only, not the
    # admin (build_context saves one of class_a's).
    "teacher.quick_events_page": row(lambda c, w: f"/teacher/class/{c.class_a.id}/quick",
                                     get=CLASS_TEACHER_ONLY, post=CLASS_TEACHER_ONLY),
    "teacher.record_quick_event": row(lambda c, w: f"/teacher/quick/{c.quick_event_id}/record",
                                      post=CLASS_TEACHER_ONLY),
    "teacher.delete_quick_event": row(lambda c, w: f"/teacher/quick/{c.quick_event_id}/delete",
                                      post=CLASS_TEACHER_ONLY),
    # Today's absentees (area finish13): class_a's class teacher in the term in force only.
    "teacher.mark_absent": row(lambda c, w: f"/teacher/absences?class={c.class_a.id}",
                               post=CLASS_TEACHER_ONLY,
                               data=lambda c: {"students": str(c.students[0].id)}),
    "teacher.evidence": row(lambda c, w: f"/teacher/evidence/{c.attachment.id}", get=EVIDENCE),
    "teacher.student_entries": row(lambda c, w: f"/teacher/student/{c.students[0].id}",
                                   get=STAFF_OWN),
    "teacher.comment": row(lambda c, w: f"/teacher/student/{c.students[0].id}/comment",
                           post=STAFF_OWN),
    # admin: pages
    "admin.index": row(static("/admin/"), get=ADMIN_PAGE),
    "admin.dashboard": row(static("/admin/dashboard"), get=ADMIN_PAGE),
    "admin.audit": row(static("/admin/audit"), get=ADMIN_PAGE),
    "admin.assignments": row(static("/admin/assignments"), get=ADMIN_PAGE),
    "admin.classes": row(static("/admin/classes"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.class_teachers": row(static("/admin/classes/teachers"), post=ADMIN_PAGE),
    "admin.class_teachers_copy": row(static("/admin/classes/teachers/copy"), post=ADMIN_OBJ,
                                     data=lambda c: {"term_id": c.term.id,
                                                     "from_term_id": c.term.id}),
    "admin.clubs": row(static("/admin/clubs"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.club_import": row(static("/admin/clubs/import"), post=ADMIN_PAGE),
    "admin.club_import_confirm": row(
        lambda c, w: f"/admin/clubs/import/{clubs_token(c, w)}", post=ADMIN_PAGE),
    "admin.departments": row(static("/admin/departments"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.flags": row(static("/admin/flags"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.rule_sets": row(static("/admin/rules"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.rule_assign": row(static("/admin/rules/assign"), post=ADMIN_OBJ,
                             data=lambda c: {"term_id": c.term.id, "version_id": c.version_id}),
    "admin.what_if": row(static("/admin/what-if"), get=ADMIN_PAGE, post=ADMIN_OBJ,
                         data=lambda c: {"term_id": c.term.id, "source": "x = 1"}),
    "admin.students": row(static("/admin/students"), get=ADMIN_PAGE),
    "admin.roster_import": row(static("/admin/students/import"), get=ADMIN_PAGE,
                               post=ADMIN_PAGE),
    "admin.teachers": row(static("/admin/teachers"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.terms": row(static("/admin/terms"), get=ADMIN_PAGE),
    "admin.workflow": row(static("/admin/workflow"), get=ADMIN_PAGE),
    "admin.workflow_compute": row(static("/admin/workflow/compute"), post=ADMIN_PAGE),
    "admin.workflow_finalize": row(static("/admin/workflow/finalize"), post=ADMIN_PAGE),
    "admin.workflow_publish": row(static("/admin/workflow/publish"), post=ADMIN_PAGE),
    "admin.workflow_return": row(static("/admin/workflow/return"), post=ADMIN_PAGE),
    "admin.workflow_submit": row(static("/admin/workflow/submit"), post=ADMIN_PAGE),
    # bulk steps: the confirmation page of chosen classes, reopening, a class's history
    "admin.workflow_confirm": row(
        lambda c, w: f"/admin/workflow/finalize/confirm?class_id={c.class_a.id}",
        get=ADMIN_OBJ, post=ADMIN_OBJ),
    "admin.workflow_reopen": row(lambda c, w: f"/admin/workflow/reopen/{c.class_a.id}",
                                 get=ADMIN_OBJ, post=ADMIN_OBJ),
    "admin.workflow_history": row(lambda c, w: f"/admin/workflow/history/{c.class_a.id}",
                                  get=ADMIN_OBJ),
    # admin: one object of the school
    "admin.class_edit": row(lambda c, w: f"/admin/classes/{c.class_a.id}", get=ADMIN_OBJ,
                            post=ADMIN_OBJ),
    "admin.class_delete": row(lambda c, w: f"/admin/classes/{c.class_a.id}/delete",
                              post=ADMIN_OBJ),
    # print: a class's initial passwords, its school's admins only
    "admin.class_passwords_reset": row(
        lambda c, w: f"/admin/classes/{c.class_a.id}/passwords", post=ADMIN_OBJ,
        data=lambda c: {"who": "all"}),
    "admin.club_detail": row(lambda c, w: f"/admin/clubs/{c.club.id}", get=ADMIN_OBJ,
                             post=ADMIN_OBJ),
    "admin.club_delete": row(lambda c, w: f"/admin/clubs/{c.club.id}/delete", post=ADMIN_OBJ),
    "admin.department_delete": row(
        lambda c, w: f"/admin/departments/{c.department.id}/delete", post=ADMIN_OBJ),
    "admin.department_rename": row(
        lambda c, w: f"/admin/departments/{c.department.id}/rename", post=ADMIN_OBJ),
    "admin.major_delete": row(lambda c, w: f"/admin/majors/{c.major.id}/delete",
                              post=ADMIN_OBJ),
    "admin.major_rename": row(lambda c, w: f"/admin/majors/{c.major.id}/rename",
                              post=ADMIN_OBJ),
    "admin.revoke_flag": row(lambda c, w: f"/admin/flags/{c.flag.id}/revoke", post=ADMIN_OBJ),
    "admin.membership_delete": row(
        lambda c, w: f"/admin/memberships/{c.membership.id}/delete", post=ADMIN_OBJ),
    "admin.membership_leave": row(
        lambda c, w: f"/admin/memberships/{c.membership.id}/leave", post=ADMIN_OBJ),
    "admin.rule_set": row(lambda c, w: f"/admin/rules/{c.rule_set_id}", get=ADMIN_OBJ,
                          post=ADMIN_OBJ),
    "admin.rule_editor_page": row(lambda c, w: f"/admin/rules/{c.rule_set_id}/editor",
                                  get=ADMIN_OBJ, post=ADMIN_OBJ),
    "admin.rule_version_download": row(
        lambda c, w: f"/admin/rules/versions/{c.version_id}.toml", get=ADMIN_OBJ),
    "admin.student_edit": row(lambda c, w: f"/admin/students/{c.students[0].id}",
                              get=ADMIN_OBJ, post=ADMIN_OBJ),
    "admin.teacher_active": row(lambda c, w: f"/admin/teachers/{c.teacher.id}/active",
                                post=ADMIN_OBJ),
    "admin.teacher_reset": row(lambda c, w: f"/admin/teachers/{c.teacher.id}/reset",
                               post=ADMIN_OBJ),
    ("admin.term_edit", "/admin/terms/<int:term_id>"): row(
        lambda c, w: f"/admin/terms/{c.term.id}", get=ADMIN_OBJ, post=ADMIN_OBJ),
    ("admin.term_edit", "/admin/terms/new"): row(static("/admin/terms/new"), get=ADMIN_PAGE,
                                                 post=ADMIN_PAGE),
    # The kept upload belongs to the admin who uploaded it.
    "admin.roster_confirm": row(lambda c, w: f"/admin/students/import/{roster_token(c, w)}",
                                post=ADMIN_PAGE),
    # The password sheet is the uploading admin's, downloadable once.
    "admin.roster_passwords": row(
        lambda c, w: f"/admin/students/import/passwords/{password_sheet_token(c, w)}",
        get="L" "DDDDA" "DDD" "DDD"),
    # reports (issue 6b): staff see their own classes' exports; a student gets their own card
    "admin.reports": row(static("/admin/reports"), get=STAFF_PAGE),
    "admin.start_export": row(static("/admin/reports/jobs"), post=STAFF_PAGE),
    "admin.export_status": row(lambda c, w: f"/admin/reports/jobs/{c.job_id}.json",
                               get=STAFF_OWN),
    "admin.download_export": row(lambda c, w: f"/admin/reports/jobs/{c.job_id}/download",
                                 get=STAFF_OWN),
    # The job is done: its creator and the school's admin are told 409 (nothing to retry).
    "admin.retry_export": row(lambda c, w: f"/admin/reports/jobs/{c.job_id}/retry",
                              post=STAFF_OWN),
    # ?term=&student_no= of students[0]: a student always gets their own card.
    "admin.student_card": row(
        lambda c, w: f"/admin/reports/card?term={c.term.id}&student_no={c.students[0].student_no}",
        get="L" "AAADA" "DDD" "DAA"),  # both classes are published in build_context
    # Rollover and cohort steps: the source term or the class names an object of the school.
    "admin.rollover_start": row(static("/admin/rollover"), get=ADMIN_PAGE, post=ADMIN_OBJ,
                                data=lambda c: ROLLOVER_FORM(c, preview="1")),
    "admin.rollover_confirm": row(static("/admin/rollover/confirm"), post=ADMIN_OBJ,
                                  data=lambda c: ROLLOVER_FORM(c, plan="0", confirm="1")),
    "admin.cohort_steps": row(static("/admin/cohorts"), get=ADMIN_PAGE, post=ADMIN_OBJ,
                              data=lambda c: COHORT_FORM(c, preview="1")),
    "admin.cohort_confirm": row(static("/admin/cohorts/confirm"), post=ADMIN_OBJ,
                                data=lambda c: COHORT_FORM(c, plan="0", confirm="1")),
    "admin.school_settings": row(static("/admin/settings"), get=ADMIN_PAGE, post=ADMIN_PAGE,
                                 data=lambda c: {"graduates_can_log_in": "y"}),
    # Evaluation rounds, class officers, proposals and 审核 (issue 17). students[0] is a class
    # officer of class_a; the round is open; an entry of students[0] waits for approval.
    "student.evaluation_home": row(static("/student/evaluation"), get=STUDENT_PAGE),
    "student.evaluation_round": row(lambda c, w: f"/student/evaluation/{c.round_id}",
                                    get="L" "AADDD" "DDD" "DDD", classmates=True),
    # students[0] rates themself: the other student (class_b) may not rate them.
    "student.evaluation_rate": row(
        lambda c, w: f"/student/evaluation/{c.round_id}/rate/{c.students[0].id}",
        get=STUDENT_OWN, post=STUDENT_OWN),
    # the officer's page: students[0] only (the other student is no officer)
    "student.proposals_page": row(static("/student/proposals"), get=STUDENT_OWN,
                                  post=STUDENT_OWN, classmates=True),
    "teacher.evaluation_home": row(static("/teacher/evaluation"), get="L" "DDAAD" "DAD" "DDD"),
    "teacher.evaluation_class": row(
        lambda c, w: f"/teacher/evaluation/{c.round_id}/class/{c.class_a.id}",
        get=CLASS_TEACHER_ONLY, post=CLASS_TEACHER_ONLY),
    "teacher.officers": row(lambda c, w: f"/teacher/class/{c.class_a.id}/officers",
                            get=CLASS_TEACHER_ONLY, post=CLASS_TEACHER_ONLY),
    "teacher.remove_officer": row(lambda c, w: f"/teacher/officers/{c.officer.id}/remove",
                                  post=CLASS_TEACHER_ONLY),
    "teacher.proposals_queue": row(lambda c, w: f"/teacher/class/{c.class_a.id}/proposals",
                                   get=CLASS_TEACHER_ONLY),
    "teacher.accept_proposal": row(lambda c, w: f"/teacher/proposals/{c.proposal_id}/accept",
                                   post=CLASS_TEACHER_ONLY),
    "teacher.reject_proposal": row(lambda c, w: f"/teacher/proposals/{c.proposal_id}/reject",
                                   post=CLASS_TEACHER_ONLY, data=lambda c: {"reason": "不对"}),
    "teacher.accept_all_proposals": row(
        lambda c, w: f"/teacher/class/{c.class_a.id}/proposals/accept-all",
        post=CLASS_TEACHER_ONLY),
    "admin.evaluation_rounds": row(static("/admin/evaluation"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.evaluation_round": row(lambda c, w: f"/admin/evaluation/{c.round_id}",
                                  get=ADMIN_OBJ),
    "admin.evaluation_close": row(lambda c, w: f"/admin/evaluation/{c.round_id}/close",
                                  post=ADMIN_OBJ),
    "admin.evaluation_export": row(lambda c, w: f"/admin/evaluation/{c.round_id}/export.xlsx",
                                   get=ADMIN_OBJ),
    # the approver: the school's admin (学生处)
    "admin.review_queue": row(static("/admin/review"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.review_approve": row(lambda c, w: f"/admin/review/{c.pending_entry_id}/approve",
                                post=ADMIN_OBJ),
    "admin.review_reject": row(lambda c, w: f"/admin/review/{c.pending_entry_id}/reject",
                               post=ADMIN_OBJ, data=lambda c: {"reason": "材料不全"}),
    # 岗课赛证 registry (area registry): the office's pages are the school's admins'; a claim
    # is decided by the student's class teacher or the admin; a ranking is staff-only —
    # class_a's by its class teacher (term in force) and the admin; never a student's.
    "admin.registry_index": row(static("/admin/registry"), get=ADMIN_PAGE, post=ADMIN_PAGE),
    "admin.registry_competition": row(
        lambda c, w: f"/admin/registry/competitions/{c.competition.id}", get=ADMIN_OBJ,
        post=ADMIN_OBJ),
    "admin.registry_competition_delete": row(
        lambda c, w: f"/admin/registry/competitions/{c.competition.id}/delete", post=ADMIN_OBJ),
    "admin.registry_result_change": row(
        lambda c, w: f"/admin/registry/competitions/{c.competition.id}/results/"
                     f"{c.competition_result.id}", post=ADMIN_OBJ,
        data=lambda c: {"award": "first"}),
    "admin.registry_result_delete": row(
        lambda c, w: f"/admin/registry/competitions/{c.competition.id}/results/"
                     f"{c.competition_result.id}/delete", post=ADMIN_OBJ),
    "admin.registry_certificates": row(static("/admin/registry/certificates"), get=ADMIN_PAGE,
                                       post=ADMIN_PAGE),
    "admin.registry_certificate_delete": row(
        lambda c, w: f"/admin/registry/certificates/{c.claim.id}/delete", post=ADMIN_OBJ),
    "admin.registry_import": row(static("/admin/registry/import"), get=ADMIN_PAGE,
                                 post=ADMIN_PAGE),
    "admin.registry_import_confirm": row(
        lambda c, w: f"/admin/registry/import/{registry_token(c, w)}", post=ADMIN_PAGE),
    "admin.registry_settings": row(static("/admin/registry/settings"), get=ADMIN_PAGE,
                                   post=ADMIN_PAGE),
    "admin.registry_claims": row(static("/admin/registry/claims"), get=STAFF_PAGE),
    "admin.registry_claim_approve": row(
        lambda c, w: f"/admin/registry/claims/{c.claim.id}/approve", post=STAFF_OWN),
    "admin.registry_claim_reject": row(
        lambda c, w: f"/admin/registry/claims/{c.claim.id}/reject", post=STAFF_OWN,
        data=lambda c: {"reason": "照片不清楚"}),
    "admin.ranking": row(lambda c, w: f"/admin/ranking?scope=class:{c.class_a.id}",
                         get=STAFF_OWN),
    "admin.ranking_export": row(lambda c, w: f"/admin/ranking.xlsx?scope=class:{c.class_a.id}",
                                get=STAFF_OWN),
    "student.certificates": row(static("/student/certificates"), get=STUDENT_PAGE,
                                post=STUDENT_PAGE),
    # the city office (issue 14): its pages, inside a school or not; entering and leaving
    "city.index": row(static("/city/"), get=CITY_PAGE),
    ("city.school_edit", "/city/schools/new"): row(static("/city/schools/new"), get=CITY_PAGE,
                                                   post=CITY_PAGE),
    ("city.school_edit", "/city/schools/<int:school_id>/edit"): row(
        lambda c, w: f"/city/schools/{c.school.id}/edit", get=CITY_PAGE, post=CITY_PAGE,
        data=lambda c: {"code": c.school.code, "name": c.school.name,
                        "timezone": "Asia/Shanghai"}),
    "city.school": row(lambda c, w: f"/city/schools/{c.b.school.id}", get=CITY_PAGE,
                       post=CITY_PAGE),
    "city.enter": row(lambda c, w: f"/city/schools/{c.b.school.id}/enter", post=CITY_PAGE,
                      data=lambda c: {"mode": "read"}, visit_free=True),
    "city.leave": row(static("/city/leave"), post=CITY_PAGE, visit_free=True),
    # A school's logo is public, like the school's login page that shows it.
    "city.logo": row(lambda c, w: f"/city/logo/{c.school.code}", get=PUBLIC),
    # The city dashboard and workbook: the city office, inside a school or not; starting a
    # workbook or drilling down is not a write in the visited school.
    "city.dashboard": row(static("/city/dashboard"), get=CITY_PAGE),
    "city.view_school": row(lambda c, w: f"/city/dashboard/schools/{c.b.school.id}/view",
                            post=CITY_PAGE, visit_free=True),
    "city.start_workbook": row(static("/city/workbook"), post=CITY_PAGE, visit_free=True),
    "city.download_workbook": row(lambda c, w: f"/city/workbook/{c.city_job_id}/download",
                                  get=CITY_PAGE),
    # Recommended rules: the city reads them anywhere, writes them only outside a school.
    "city.rules": row(static("/city/rules"), get=CITY_PAGE, post=CITY_OUTSIDE),
    "city.rule_set": row(lambda c, w: f"/city/rules/{c.city_rule_set_id}", get=CITY_PAGE,
                         post=CITY_OUTSIDE),
    "city.rule_editor_page": row(lambda c, w: f"/city/rules/{c.city_rule_set_id}/editor",
                                 get=CITY_PAGE, post=CITY_OUTSIDE),
    "city.rule_publish": row(lambda c, w: f"/city/rules/{c.city_rule_set_id}/publish",
                             post=CITY_OUTSIDE,
                             data=lambda c: {"version_id": c.city_rule_version_id}),
    "city.rule_unpublish": row(lambda c, w: f"/city/rules/{c.city_rule_set_id}/unpublish",
                               post=CITY_OUTSIDE),
    "city.rule_version_download": row(
        lambda c, w: f"/city/rules/versions/{c.city_rule_version_id}.toml", get=CITY_PAGE),
    # A school's admin reads a published recommendation and copies it into their school.
    "admin.city_rule": row(lambda c, w: f"/admin/rules/city/{c.city_rule_set_id}",
                           get=ADMIN_PAGE, post=ADMIN_PAGE),
}
ROWS.update(family_rows(row))  # guardians, inbox, families (issue 16)


# ---- collection from the url_map ------------------------------------------------------------------

@functools.cache
def routes() -> list[tuple[str, str, frozenset]]:
    app = build_app()
    return sorted((r.endpoint, r.rule, frozenset(r.methods - {"HEAD", "OPTIONS"}))
                  for r in app.url_map.iter_rules() if r.endpoint != "static")


def row_for(endpoint: str, rule: str):
    return ROWS.get((endpoint, rule)) or ROWS.get(endpoint)


def cases():
    for endpoint, rule, methods in routes():
        for method in ("GET", "POST"):
            yield pytest.param(endpoint, rule, method, methods, id=f"{method} {rule}")


def test_every_route_has_a_row():
    missing = [f"{endpoint} {rule}" for endpoint, rule, _ in routes()
               if row_for(endpoint, rule) is None]
    assert not missing, (
        "routes without a row in tests/security/test_matrix.py ROWS (say who may reach "
        "them): " + ", ".join(missing))
    stale = [key for key in ROWS
             if not any(key in (e, (e, r)) for e, r, _ in routes())]
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_rows_agree_with_the_routed_methods():
    for endpoint, rule, methods in routes():
        r = row_for(endpoint, rule)
        if r is None:
            continue
        for method in ("GET", "POST"):
            if r["shadowed"] and method not in methods:
                continue
            assert (r[method] is not None) == (method in methods), (
                f"{endpoint} {rule}: the row says {method} is "
                f"{'routed' if r[method] else 'not routed'}; the app says {sorted(methods)}")


def outcome(response) -> str:
    status = response.status_code
    if status == 302 and response.headers.get("Location", "").startswith("/login"):
        return "L"
    if status in (403, 404):
        return "D"
    if status == 405:
        return "N"
    if status in (401,) or status >= 500:
        return f"!{status}"
    return "A"


def expectations(endpoint, rule, method, methods) -> str:
    r = row_for(endpoint, rule)
    if r is None:
        pytest.fail(f"{endpoint} {rule} has no row in ROWS (see test_every_route_has_a_row)")
    if method not in methods and not r["shadowed"]:
        return UNROUTED[method]
    return r[method] or UNROUTED[method]


# The read-only city visit's refusal of every POST comes before routing: 403, not 405.
_READ = ACTORS.index("city_read")
UNROUTED = {"GET": NONE, "POST": NONE[:_READ] + "D" + NONE[_READ + 1:]}


@pytest.mark.parametrize("endpoint,rule,method,methods", list(cases()))
def test_matrix(app, make, act, endpoint, rule, method, methods):
    r = row_for(endpoint, rule)
    expected = expectations(endpoint, rule, method, methods)
    c = build_context(make)
    # city_act's writes have their own test (they would undo school A's admin's objects).
    who_tries = [i for i in range(len(ACTORS))
                 if not (method == "POST" and ACTORS[i] == "city_act" and expected[i] == "A")]
    order = sorted(who_tries, key=lambda i: expected[i] == "A")  # denied first
    start = table_dump() if method == "POST" else None
    checked = False
    problems = []
    for i in order:
        who = ACTORS[i]
        if expected[i] == "A" and not checked and start is not None:
            changed = changes(start, table_dump())
            assert not changed, f"{method} {rule}: refused actors wrote {changed}"
            checked = True
        actor = act_as(act, c, who)
        url = r["url"](c, who)
        response = actor.get(url) if method == "GET" else actor.post(url, r["data"](c))
        got = outcome(response)
        if got != expected[i]:
            problems.append(f"{who}: expected {expected[i]}, got {got} "
                            f"({response.status_code} {response.headers.get('Location', '')})")
        if got in "DL" or (got == "A" and who in OUTSIDERS):
            seen = mentioned(response, hidden_from(c, who, refused=got != "A",
                                                   classmates=r.get("classmates", False)), url)
            assert not seen, f"{who} got {url} ({got}) naming students they may not see: {seen}"
    if start is not None and not checked:  # nobody allowed: nothing at all may be written
        changed = changes(start, table_dump())
        assert not changed, f"{method} {rule}: refused actors wrote {changed}"
    assert not problems, f"{method} {url}:\n  " + "\n  ".join(problems)


def changes(before: dict, after: dict) -> dict[str, str]:
    """The tables whose rows differ, and how many rows came or went."""
    out = {}
    for table in before:
        gone = set(before[table]) - set(after[table])
        new = set(after[table]) - set(before[table])
        if gone or new:
            out[table] = f"{len(gone)} row(s) changed or removed, {len(new)} changed or added"
    return out


# Who may see which students' names and numbers on a page they are allowed: a student only
# themselves, a teacher their own class, an admin (and the city visiting) their own school.
OUTSIDERS = ("student", "other_student", "teacher", "other_teacher", "admin", *SCHOOL_B, *CITY)


def hidden_from(c, who, refused=False, classmates=False) -> list:
    """The students whose personal data `who` must not find in the response. A refusal names
    nobody but the actor; an allowed page names only those the actor may see (a student's
    classmates too on a page that lists them: whom to rate, whom to propose for)."""
    school_a = [*c.students, *c.other_students]
    school_b = [*c.b.students, *c.b.other_students]
    mates = classmates and not refused
    own = {"student": c.students if mates else [c.students[0]],
           "other_student": c.other_students if mates else [c.other_students[0]],
           "teacher": [] if refused else c.students,
           "other_teacher": [] if refused else c.other_students,
           "admin": [] if refused else school_a,
           "b_student": [c.b.students[0]],
           "b_teacher": [] if refused else c.b.students,
           "b_admin": [] if refused else school_b,
           "city_read": [] if refused else school_a,
           "city_act": [] if refused else school_a}.get(who, [])
    return [s for s in school_a + school_b if s not in own]


def mentioned(response, students, url) -> list[str]:
    """Names and student numbers of `students` found in a text response (not in files). The
    URL the actor asked for is echoed (the language switch, a redirect): it is not a leak."""
    if not response.mimetype.startswith(("text/", "application/json")):
        return []
    text = response.get_data(as_text=True)
    for echo in (html.escape(url), url, quote(url, safe="")):
        text = text.replace(echo, "")
    found = []
    for s in students:
        for value in (s.name, s.student_no):
            if re.search(rf"(?<!\d){re.escape(value)}(?!\d)", text):
                found.append(value)
    return found


def test_denied_actors_write_nothing(app, make, act):
    """Every POST route, tried by everyone it refuses: no table changes (row by row)."""
    c = build_context(make)
    before = table_dump()
    for endpoint, rule, _methods in routes():
        r = row_for(endpoint, rule)
        if r is None or r["POST"] is None:
            continue
        for i, who in enumerate(ACTORS):
            if r["POST"][i] in "LD" and who != "anon":
                url = r["url"](c, who)
                response = act_as(act, c, who).post(url, {"name": "x", **r["data"](c)})
                assert outcome(response) in "LD", (endpoint, who, response.status_code)
    changed = changes(before, table_dump())
    assert not changed, f"refused POSTs wrote: {changed}"


def city_act_posts():
    for endpoint, rule, methods in routes():
        r = row_for(endpoint, rule)
        if r is not None and "POST" in methods and r["POST"] \
                and r["POST"][ACTORS.index("city_act")] == "A":
            yield pytest.param(endpoint, rule, id=f"POST {rule}")


@pytest.mark.parametrize("endpoint,rule", list(city_act_posts()))
def test_city_acting_writes_are_audited(app, make, act, endpoint, rule):
    """The city user acting in school A: each POST is allowed as for A's admin; one that
    writes leaves a `city_write` row for school A, and every audit row it adds names the city
    user as the actor. A refused or invalid one (4xx) writes nothing at all."""
    from starrating.models import AuditLog

    r = row_for(endpoint, rule)
    c = build_context(make)
    actor = act_as(act, c, "city_act")
    url = r["url"](c, "city_act")
    last_audit = db.session.scalar(sa.select(sa.func.max(AuditLog.id))) or 0
    before = table_dump()
    response = actor.post(url, r["data"](c))
    assert outcome(response) == "A", (url, response.status_code)
    changed = changes(before, table_dump())
    added = db.session.execute(sa.select(AuditLog.actor_id, AuditLog.action,
                                         AuditLog.school_id)
                               .where(AuditLog.id > last_audit)).all()
    db.session.rollback()
    if response.status_code >= 400 or not changed:  # refused, invalid, or nothing to do
        assert not changed and not added, (url, response.status_code, changed, added)
        return
    assert {actor_id for actor_id, _, _ in added} <= {c.city.id}, (url, added)
    if not r["visit_free"]:  # entering, leaving, the language: not a write in the school
        assert (c.city.id, "city_write", c.school.id) in added, (url, added)


def test_city_inside_school_a_acts_like_its_admin_in_the_rows():
    """The rows themselves: inside school A the city user is A's admin (acting: every
    method; read-only: GETs, and only the visit-free POSTs), and outside it the admin's
    pages are refused. The exceptions are named."""
    own_city = {"city.index", "city.school_edit", "city.school", "city.enter", "city.leave"}
    uploader_only = {"admin.roster_passwords"}  # the sheet is its uploader's (A's admin)
    a, rd, wr, out = (ACTORS.index(w) for w in ("admin", "city_read", "city_act", "city"))
    for endpoint, rule, methods in routes():
        r = row_for(endpoint, rule)
        if endpoint in own_city or endpoint.startswith("city.") or r is None:
            continue
        for method in ("GET", "POST"):
            e = expectations(endpoint, rule, method, methods)
            admin = "D" if endpoint in uploader_only and e[a] == "A" else e[a]
            assert e[wr] == admin, (endpoint, rule, method, e)
            if method == "GET" or r["visit_free"]:
                assert e[rd] == admin, (endpoint, rule, method, e)
            else:
                assert e[rd] in "DN", (endpoint, rule, method, e)
            if endpoint.startswith(("admin.", "teacher.", "student.")):
                assert e[out] in "DN", (endpoint, rule, method, e)


def test_city_inside_school_b_is_refused_school_a_like_bs_admin(app, make, act):
    """The city user who entered school B (to act) gets on school A's pages exactly what
    B's admin gets: they read and write a school only while inside it."""
    c = build_context(make)
    city_in_b = act(c.city)
    c.city.current_login_session.school_id = c.b.school.id
    c.city.current_login_session.may_write = True
    db.session.commit()
    b_admin = act(c.b.admin)
    before = table_dump()
    problems = []
    for endpoint, rule, _methods in routes():
        r = row_for(endpoint, rule)
        if endpoint == "auth.logout" or endpoint.startswith("city.") or r is None:
            continue
        for method in ("GET", "POST"):
            if r[method] is None or r[method][ACTORS.index("b_admin")] != "D":
                continue
            url = r["url"](c, "b_admin")
            response = (city_in_b.get(url) if method == "GET"
                        else city_in_b.post(url, r["data"](c)))
            if outcome(response) != "D":
                problems.append(f"{method} {url}: {response.status_code}")
            seen = mentioned(response, [*c.students, *c.other_students], url)
            assert not seen, (url, seen)
    assert not problems, problems
    assert b_admin.get("/admin/").status_code == 200
    changed = changes(before, table_dump())
    assert not changed, changed


def test_context_ids_are_of_the_right_school(app, make):
    """Sanity: the objects the URLs point at belong to the school (so D means refused)."""
    c = build_context(make)
    assert c.other_admin.school_id != c.school.id
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 3  # + a claim's photo


# ---- ids of others inside a form a user may post ----------------------------------------------

def test_ids_of_others_inside_allowed_forms_write_nothing(app, make, act):
    """Routes every teacher or student may post, given another class's or student's ids."""
    c = build_context(make, publish=False)
    make.entry(c.term, c.other_students[0], author=c.other_teacher)  # a row to aim at
    db.session.commit()
    before = table_counts()
    cases = [
        (c.other_teacher, "/teacher/entry/new",
         {"students": str(c.students[0].id), "indicator": "moral.service", "points": "5",
          "occurred_on": "2026-10-02", "note": "not my class"}),
        (c.teacher, "/teacher/entry/new",
         {"students": [str(c.students[1].id), str(c.other_students[0].id)],
          "indicator": "moral.service", "points": "5", "occurred_on": "2026-10-02"}),
        (c.other_admin, "/teacher/entry/new",
         {"students": str(c.students[0].id), "indicator": "moral.service", "points": "5",
          "occurred_on": "2026-10-02"}),
        (c.other_teacher, "/admin/reports/jobs",
         {"term_id": str(c.term.id), "kind": "xlsx", "scope": str(c.class_a.id),
          "lang": "zh"}),
        (c.teacher, "/admin/reports/jobs",
         {"term_id": str(c.term.id), "kind": "xlsx", "scope": "school", "lang": "zh"}),
        (c.other_admin, "/admin/reports/jobs",
         {"term_id": str(c.term.id), "kind": "xlsx", "scope": "school", "lang": "zh"}),
    ]
    for user, url, data in cases:
        response = act(user).post(url, data)
        assert response.status_code < 500, (user.username, url, response.status_code)
        after = table_counts()
        assert after == before, (user.username, url, response.status_code,
                                 {k: (before[k], after[k]) for k in after
                                  if after[k] != before[k]})
    # The control: the same form with the actor's own ids does write.
    response = act(c.teacher).post("/teacher/entry/new", {
        "students": str(c.students[1].id), "indicator": "moral.service", "points": "5",
        "occurred_on": "2026-10-02"})
    assert response.status_code == 302 and table_counts()["entry"] == before["entry"] + 1


def test_a_student_cannot_appeal_another_students_entry(app, make, act):
    c = build_context(make, publish=True)  # the notice period: appeals are open
    other_entry = make.entry(c.term, c.other_students[0], author=c.other_teacher)
    own_entry = make.entry(c.term, c.students[0], "moral.service", "1", author=c.teacher)
    db.session.commit()
    before = table_counts()
    response = act(c.student_user).post("/student/appeals", {
        "entry_id": str(other_entry.id), "text": "this is someone else's entry"})
    assert response.status_code in (400, 403, 404)
    assert table_counts() == before
    response = act(c.student_user).post("/student/appeals", {  # the control: their own
        "entry_id": str(own_entry.id), "text": "这条记录的分数不对"})
    assert response.status_code in (200, 302)
    assert table_counts()["appeal"] == before["appeal"] + 1


def test_a_new_route_without_a_row_fails_with_its_name(monkeypatch):
    import sys

    module = sys.modules[__name__]
    fake = [*routes(), ("teacher.secret_page", "/teacher/secret", frozenset({"GET"}))]
    monkeypatch.setattr(module, "routes", lambda: fake)
    with pytest.raises(AssertionError, match="teacher.secret_page /teacher/secret"):
        test_every_route_has_a_row()

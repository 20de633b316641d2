"""Authorization for families (issue 16, acceptance 1): the guardian actor over every route.

- The families routes (guardian, inbox, families) have their own matrix here, with two
  guardians added to the actors of tests/security/test_matrix.py: `guardian` is linked to
  students[0] (class A) and other_students[0] (class B), `other_guardian` to students[1].
  A refusal (403/404) writes nothing: every table is compared before and after.
- The guardian is also tried on every other route of the app (test_matrix's ROWS give the
  URLs): only the public and any-user pages answer; everything else is 403/404, and no table
  changes.
(The matrix file itself is being reworked in another branch; these rows are for it.)
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import FamilySettings, Guardian, GuardianLink
from tests.families.conftest import make_guardian
from tests.security.helpers import table_dump
from tests.security.test_matrix import ACTORS as MATRIX_ACTORS
from tests.security.test_matrix import ANY_USER, PUBLIC, ROWS, build_context, routes, row_for
from tests.security.test_matrix import outcome as matrix_outcome
from tests.security.test_matrix import users_of as matrix_users

ACTORS = ("anon", "student", "other_student", "teacher", "other_teacher", "admin",
          "other_admin", "guardian", "other_guardian")
#                anon stu ost tea ote adm oad gua ogu
GUARDIAN_OWN = "L" "D" "D" "D" "D" "D" "D" "A" "D"  # a linked child's page
GUARDIAN_HOME = "L" "D" "D" "D" "D" "D" "D" "A" "A"
INBOX = "L" "A" "A" "A" "A" "A" "A" "A" "A"
STAFF = "L" "D" "D" "A" "A" "A" "A" "D" "D"
CLASS_A = "L" "D" "D" "A" "D" "A" "D" "D" "D"  # class A's teacher, the school's admin
ADMINS = "L" "D" "D" "D" "D" "A" "A" "D" "D"  # every admin, their own school's things
SCHOOL_ADMIN = "L" "D" "D" "D" "D" "A" "D" "D" "D"  # this school's admin only
EVERYONE = "A" * len(ACTORS)


def frow(url, get=None, post=None, data=None):
    return {"url": url, "GET": get, "POST": post, "data": data or (lambda c: {})}


FAMILY_ROWS = {
    "guardian.index": frow(lambda c: "/guardian/", get=GUARDIAN_HOME),
    "guardian.child": frow(lambda c: f"/guardian/child/{c.child.id}", get=GUARDIAN_OWN),
    "guardian.opinion": frow(lambda c: f"/guardian/child/{c.child.id}/opinion",
                             post=GUARDIAN_OWN, data=lambda c: {"text": "在家认真"}),
    "guardian.card": frow(lambda c: f"/guardian/child/{c.child.id}/card", get=GUARDIAN_OWN),
    "guardian.evidence": frow(
        lambda c: f"/guardian/child/{c.child.id}/evidence/{c.attachment.id}", get=GUARDIAN_OWN),
    # anonymous: the form; signed in: sent home (an "A" either way)
    "guardian.activate": frow(lambda c: "/guardian/activate", get=EVERYONE, post=EVERYONE),
    "inbox.index": frow(lambda c: "/inbox/", get=INBOX),
    "inbox.read": frow(lambda c: "/inbox/read", post=INBOX),
    "inbox.settings": frow(lambda c: "/inbox/settings", get=INBOX, post=INBOX),
    "families.index": frow(lambda c: "/families/", get=STAFF),
    "families.class_guardians": frow(
        lambda c: f"/families/class/{c.class_a.id}/guardians", get=CLASS_A, post=CLASS_A,
        data=lambda c: {"student_id": c.students[4].id, "name": "赵母", "relation": "母亲",
                        "phone": "13500000005"}),
    "families.invite": frow(
        lambda c: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/invite",
        post=CLASS_A),
    "families.unlink": frow(
        lambda c: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/unlink/"
                  f"{_still_linked(c)}", post=CLASS_A),
    "families.deactivate": frow(
        lambda c: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/deactivate",
        post=CLASS_A),
    "families.reactivate": frow(
        lambda c: f"/families/class/{c.class_a.id}/guardians/{c.pending.id}/reactivate",
        post=CLASS_A),
    "families.monthly": frow(lambda c: f"/families/class/{c.class_a.id}/monthly", get=CLASS_A,
                             post=CLASS_A, data=lambda c: {"month": "2026-10", "line": "很好"}),
    "families.slips": frow(lambda c: f"/families/class/{c.class_a.id}/slips", post=CLASS_A),
    "families.channel": frow(
        lambda c: f"/families/class/{c.class_a.id}/channel", get=CLASS_A, post=CLASS_A,
        data=lambda c: {"kind": "wecom",
                        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"}),
    "families.alert_list": frow(lambda c: "/families/alerts", get=ADMINS),
    "families.alert": frow(lambda c: f"/families/alerts/{c.alert.id}", get=SCHOOL_ADMIN,
                           post=SCHOOL_ADMIN, data=lambda c: {"note": "已谈话"}),
    "families.settings": frow(lambda c: "/families/settings", get=ADMINS, post=ADMINS,
                              data=lambda c: {"deduction_points": "-20"}),
}


def _still_linked(c) -> int:
    """A student the pending guardian is still linked to (the teacher unlinks one, then the
    admin the other)."""
    linked = db.session.scalars(sa.select(GuardianLink.student_id).where(
        GuardianLink.guardian_id == c.pending.id).order_by(GuardianLink.student_id)).all()
    return linked[0] if linked else c.students[3].id


def families_context(make):
    c = build_context(make)
    c.guardian, c.guardian_user = make_guardian(c, [c.students[0], c.other_students[0]])
    c.other_guardian, c.other_guardian_user = make_guardian(
        c, [c.students[1]], name="钱母", phone="13800000002", relation="母亲")
    c.child = c.students[0]  # build_context's add_families made c.pending and c.alert
    db.session.add(FamilySettings(school_id=c.school.id, show_deduction_notes=True,
                                  show_evidence=True, thresholds=[]))
    db.session.commit()
    return c


def users_of(c) -> dict:
    return {**matrix_users(c), "other_admin": c.other_admin,  # school B's admin
            "guardian": c.guardian_user, "other_guardian": c.other_guardian_user}


def family_routes():
    return [(e, r, m) for e, r, m in routes() if e.split(".")[0] in ("guardian", "inbox",
                                                                     "families")]


def test_every_families_route_has_a_row_here():
    endpoints = {e for e, _r, _m in family_routes()}
    assert endpoints == set(FAMILY_ROWS), sorted(endpoints ^ set(FAMILY_ROWS))
    for endpoint, _rule, methods in family_routes():
        row = FAMILY_ROWS[endpoint]
        for method in ("GET", "POST"):
            assert (row[method] is not None) == (method in methods), (endpoint, method)


IGNORED = ("login_session", "login_attempt")


@pytest.mark.parametrize("endpoint,method", [
    (e, m) for e in sorted(FAMILY_ROWS) for m in ("GET", "POST") if FAMILY_ROWS[e][m]])
def test_families_matrix(app, make, act, endpoint, method):
    c = families_context(make)
    users = users_of(c)
    row = FAMILY_ROWS[endpoint]
    expected = row[method]
    problems = []
    strangers = [s.name for s in [*c.students[1:], *c.other_students[1:]]]
    for i in sorted(range(len(ACTORS)), key=lambda i: expected[i] == "A"):  # denied first
        who = ACTORS[i]
        before = table_dump(IGNORED) if expected[i] != "A" else None
        actor = act(users[who])
        url = row["url"](c)
        response = actor.get(url) if method == "GET" else actor.post(url, row["data"](c))
        got = matrix_outcome(response)
        if got != expected[i]:
            problems.append(f"{who}: expected {expected[i]}, got {got} ({response.status_code})")
        if before is not None:
            assert table_dump(IGNORED) == before, f"{who} {method} {url} changed a table"
        if who == "guardian" and got == "A" and response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            assert not [n for n in strangers if n in body], f"{url} names another student"
    assert not problems, f"{method} {endpoint}:\n  " + "\n  ".join(problems)


def guardian_expected(row, method) -> str:
    """What a guardian gets on a route of the rest of the app: the public pages and those of
    any signed-in user answer; logging out lands on the login page; nothing else."""
    rule = row[method]
    # POST rows refuse the read-only city visit (test_matrix.write): its column is not ours.
    i = MATRIX_ACTORS.index("city_read")

    def others(expected: str) -> str:
        return expected[:i] + expected[i + 1:]

    if others(rule) in (others(PUBLIC), others(ANY_USER)):
        return "A"
    if set(rule) == {"L"}:
        return "L"
    return "D"


def test_a_guardian_gets_nothing_else_of_the_app_and_changes_nothing(app, make, act):
    c = families_context(make)
    guardian = act(c.guardian_user)
    problems = []
    for endpoint, rule, methods in routes():
        if endpoint.split(".")[0] in ("guardian", "inbox", "families"):
            continue
        r = row_for(endpoint, rule)
        if r is None:
            continue  # a route test_matrix has no row for yet fails there
        for method in sorted(methods & {"GET", "POST"}):
            if r[method] is None or endpoint == "auth.logout":
                continue
            expected = guardian_expected(r, method)
            url = r["url"](c, "student")
            before = table_dump(IGNORED) if expected == "D" else None
            response = guardian.get(url) if method == "GET" else guardian.post(url, r["data"](c))
            got = matrix_outcome(response)
            if got != expected:
                problems.append(f"{method} {url}: expected {expected}, got {got} "
                                f"({response.status_code})")
            if before is not None and table_dump(IGNORED) != before:
                problems.append(f"{method} {url} changed a table")
    assert not problems, "\n".join(problems)
    assert len(ROWS) > 40


def test_a_guardian_of_two_sees_both_and_only_them(app, make, act):
    c = families_context(make)
    guardian = act(c.guardian_user)
    home = guardian.get("/guardian/").get_data(as_text=True)
    assert c.students[0].name in home and c.other_students[0].name in home
    for student in [*c.students[1:], *c.other_students[1:]]:
        assert student.name not in home
        assert guardian.get(f"/guardian/child/{student.id}").status_code == 404
        assert guardian.get(f"/guardian/child/{student.id}/card").status_code == 404
    assert guardian.get(f"/guardian/child/{c.other_students[0].id}").status_code == 200
    # another school's student with the same id range: still not found
    assert guardian.get("/guardian/child/999999").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guardian)) == 3

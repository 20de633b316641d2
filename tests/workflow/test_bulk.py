"""Bulk steps from the publishing page: a confirmation page per step (reads only), one
confirmed action for many classes in a fixed number of statements, finalizing during the
notice period with a reason, reopening a final class with a reason (issue 12, bulk steps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import (
    Appeal,
    AppealStatus,
    AuditLog,
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    Gender,
    Role,
    SchoolClass,
    StarResult,
    Student,
    User,
)
from starrating.models.base import utcnow
from starrating.services import appeals, workflow
from starrating.services import class_state as cstate
from starrating.services.appeals import AppealInput, Decision
from tests.factories import password_hash
from tests.security.helpers import table_dump
from tests.workflow.helpers import NOW, later, publish


def add_classes(make, school, count, students=2, entries=True) -> list[int]:
    """`count` more classes, each with its class teacher in the term and a few students with
    one entry each (added in bulk: a hundred classes in a moment)."""
    n = make.n()
    classes = [SchoolClass(school_id=school.school.id, major_id=school.major.id,
                           name=f"25批量{n}-{i:03d}班", grade=2025) for i in range(count)]
    teachers = [User(username=f"bulk{n}_{i}", role=Role.TEACHER, display_name=f"班主任{i}",
                     school_id=school.school.id, password_hash=password_hash(), active=True)
                for i in range(count)]
    db.session.add_all(classes + teachers)
    db.session.flush()
    db.session.add_all(ClassAssignment(term_id=school.term.id, class_id=c.id, teacher_id=t.id)
                       for c, t in zip(classes, teachers, strict=True))
    pupils = [Student(school_id=school.school.id, student_no=f"25{n:04d}{i:03d}{j}",
                      name=f"学生{i}-{j}", class_id=c.id, gender=Gender.FEMALE)
              for i, c in enumerate(classes) for j in range(students)]
    db.session.add_all(pupils)
    db.session.flush()
    if entries:
        for pupil in pupils:
            make.entry(school.term, pupil, "moral.service", "3", author=school.admin)
    db.session.commit()
    return [c.id for c in classes]


def states(term, ids) -> set[ClassState]:
    return set(cstate.class_states(term, ids).values())


def audit_rows(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)
                                   .order_by(AuditLog.id)))


def confirm(actor, step, term, ids, **data):
    return actor.post(f"/admin/workflow/{step}", data={"term": term.id, "class_id": ids, **data})


# ---- one confirmed action for a hundred classes ------------------------------------------

def test_a_hundred_classes_submitted_published_finalized_in_one_action_each(
        school, make, act, count_queries):
    """Each step over HTTP: a warm-up on one class, then 3 classes, then 100; the statements
    of the confirmation page and of the confirmed action are the same for 3 and for 100."""
    warm, small, large = (add_classes(make, school, n) for n in (1, 3, 100))
    admin = act(school.admin)
    term = school.term
    reason = {"finalize": {"reason": "学期末统一确认"}, "publish": {"notice_days": "5"}}
    for step, after in (("submit", ClassState.SUBMITTED), ("publish", ClassState.PUBLISHED),
                        ("finalize", ClassState.FINAL)):
        counts = {}
        for name, ids in (("warm", warm), ("small", small), ("large", large)):
            with count_queries() as page:
                r = admin.post(f"/admin/workflow/{step}/confirm",
                               data={"term": term.id, "class_id": ids})
            assert r.status_code == 200
            assert r.get_data(as_text=True).count('name="class_id"') == len(ids)
            with count_queries() as action:
                r = confirm(admin, step, term, ids, **reason.get(step, {}))
            assert r.status_code == 302, (step, r.get_data(as_text=True)[:500])
            assert states(term, ids) == {after}
            counts[name] = (page.count, action.count)
        assert counts["small"] == counts["large"], (step, counts)
        rows = audit_rows(step)
        assert len(rows) == 104 and {r.after["state"] for r in rows} == {after.value}
    assert {r.after["reason"] for r in audit_rows("finalize")} == {"学期末统一确认"}
    assert {r.school_id for r in audit_rows("publish")} == {school.school.id}
    stored = db.session.scalar(sa.select(sa.func.count(StarResult.id)).where(
        StarResult.class_id.in_(large)))
    assert stored == 200  # publishing computed every class's results


def test_return_of_many_classes_in_one_action(school, make, act, count_queries):
    ids = add_classes(make, school, 30, entries=False)
    workflow.submit_classes(school.admin, school.term, ids)
    db.session.commit()
    r = confirm(act(school.admin), "return", school.term, ids)
    assert r.status_code == 302
    assert states(school.term, ids) == {ClassState.OPEN}
    assert len(audit_rows("return")) == 30
    cstate.ensure_editable(school.term, ids)


def test_finalize_due_in_a_fixed_number_of_statements(school, make, count_queries):
    small, large = add_classes(make, school, 2), add_classes(make, school, 40)
    for ids, start in ((small, NOW), (large, NOW + timedelta(hours=1))):
        workflow.submit_classes(school.admin, school.term, ids)
        workflow.publish_classes(school.admin, school.term, ids, notice_days=3, now=start)
    db.session.commit()
    with count_queries() as q_small:
        assert workflow.finalize_due(later(3) + timedelta(minutes=1)) == 2
    with count_queries() as q_large:
        assert workflow.finalize_due(later(4)) == 40
    assert q_small.count == q_large.count
    assert len(audit_rows("finalize")) == 42


# ---- the confirmation page -------------------------------------------------------------------

def test_confirm_page_lists_counts_and_the_classes_left_out(school, make, act):
    s = school
    make.entry(s.term, s.students[0], "moral.service", "2", s.teacher)
    make.entry(s.term, s.students[1], "labor.hours", "1", s.teacher)
    gone = make.entry(s.term, s.students[2], "labor.hours", "1", s.teacher)
    gone.deleted_at = utcnow()  # a deleted entry is no entry
    make.entry(s.term, s.other_students[0], "moral.service", "2", s.other_teacher)
    db.session.commit()
    workflow.submit_classes(s.admin, s.term, [s.class_a.id, s.class_b.id])
    db.session.commit()
    plan = workflow.plan_step(s.admin, s.term, "publish", [s.class_a.id, s.class_b.id])
    got = {r.school_class.id: (r.students, r.without_entries, r.pending_appeals, r.skip)
           for r in plan.rows}
    assert got == {s.class_a.id: (5, 3, 0, None), s.class_b.id: (2, 1, 0, None)}
    admin = act(s.admin)
    html = admin.get(f"/admin/workflow/publish/confirm?term={s.term.id}"
                     f"&class_id={s.class_a.id}&class_id={s.class_b.id}").get_data(as_text=True)
    row_a = html[html.index(f'id="plan-{s.class_a.id}"'):].split("</tr>")[0]
    assert [c.split(">")[-1] for c in row_a.split("</td>")][3:6] == ["5", "3", "0"]
    totals = html[html.index('id="totals"'):].split("</div>")[0]
    assert "<b>2</b>" in totals and "<b>7</b>" in totals and "<b>4</b>" in totals
    assert "确认：公示结果" in html or "公示" in html

    # published, one appeal open in class A: finalizing leaves class A out and says why
    workflow.publish_classes(s.admin, s.term, [s.class_a.id, s.class_b.id], notice_days=5)
    db.session.add(Appeal(term_id=s.term.id, student_id=s.students[3].id,
                          indicator="moral.service", text="漏记", status=AppealStatus.PENDING))
    db.session.commit()
    html = admin.get(f"/admin/workflow/finalize/confirm?term={s.term.id}"
                     f"&class_id={s.class_a.id}&class_id={s.class_b.id}").get_data(as_text=True)
    skipped = html[html.index(f'id="skip-{s.class_a.id}"'):].split("</li>")[0]
    assert "24机电1班" in skipped and "1 条申诉尚未处理" in skipped
    assert f'id="plan-{s.class_b.id}"' in html and f'id="plan-{s.class_a.id}"' not in html
    assert html.count('name="class_id"') == 1  # only class B is confirmed
    assert "还剩 5 天" in html and 'name="reason"' in html
    # wrong state: returning published classes leaves both out, with the state named
    html = admin.get(f"/admin/workflow/return/confirm?term={s.term.id}"
                     f"&class_id={s.class_a.id}&class_id={s.class_b.id}").get_data(as_text=True)
    assert "所选班级现在都不能执行这一步。" in html and 'id="confirm-form"' not in html
    assert html.count("公示中：此步骤需要班级处于“已提交”") == 2


def test_every_class_in_a_state_without_ticking_boxes(school, make, act):
    ids = add_classes(make, school, 4, entries=False)
    workflow.submit_classes(school.admin, school.term, ids[:3])
    db.session.commit()
    admin = act(school.admin)
    page = admin.get("/admin/workflow").get_data(as_text=True)
    link = f"/admin/workflow/publish/confirm?term={school.term.id}&amp;state=submitted"
    assert link in page
    html = admin.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert sorted(int(v) for v in _hidden_ids(html)) == sorted(ids[:3])
    r = admin.get(f"/admin/workflow/finalize/confirm?term={school.term.id}&state=published",
                  follow_redirects=True)
    assert "本学期没有班级处于“公示中”。" in r.get_data(as_text=True)


def _hidden_ids(html: str) -> list[str]:
    form = html[html.index('id="confirm-form"'):]
    return [part.split('"')[0] for part in form.split('name="class_id" value="')[1:]]


def test_confirmation_pages_write_nothing(school, make, act):
    make.entry(school.term, school.students[0], "moral.service", "2", school.teacher)
    db.session.commit()
    publish(school, [school.class_a.id])
    admin = act(school.admin)
    t, a, b = school.term.id, school.class_a.id, school.class_b.id
    urls = [f"/admin/workflow/{step}/confirm?term={t}&class_id={a}&class_id={b}"
            for step in workflow.STEPS]
    urls += [f"/admin/workflow/{step}/confirm?term={t}&state={state}"
             for step in workflow.STEPS for state in ("open", "published")]
    urls += [f"/admin/workflow/reopen/{a}?term={t}", f"/admin/workflow/history/{a}?term={t}"]
    before = table_dump()
    for url in urls:
        assert admin.get(url).status_code in (200, 302), url
        assert table_dump() == before, url
    # the POST from the publishing page to a confirmation page writes nothing either
    r = admin.post("/admin/workflow/finalize/confirm", data={"term": t, "class_id": [a, b]})
    assert r.status_code == 200 and table_dump() == before


# ---- wrong state: left out and reported ------------------------------------------------------

def test_wrong_state_classes_are_left_out_and_named(school, act):
    s = school
    workflow.submit_class(s.teacher, s.term, s.class_a.id, now=NOW)
    db.session.commit()
    outcome = workflow.run_step(s.admin, s.term, "submit", [s.class_a.id, s.class_b.id])
    assert outcome.done == ["24机电2班"]
    assert [name for name, _why in outcome.skipped] == ["24机电1班"]
    db.session.rollback()
    with pytest.raises(ValidationFailed):  # the all-or-nothing form refuses instead
        workflow.submit_classes(s.admin, s.term, [s.class_a.id, s.class_b.id])
    db.session.rollback()
    admin = act(s.admin)
    r = confirm(admin, "submit", s.term, [s.class_a.id, s.class_b.id])
    assert r.status_code == 302
    html = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert ("已替班主任提交：24机电2班。 未纳入：24机电1班（已提交：此步骤需要班级处于“录入中”）。"
            in html)
    assert states(s.term, [s.class_a.id, s.class_b.id]) == {ClassState.SUBMITTED}
    assert len(audit_rows("submit")) == 2  # the teacher's and the admin's, once each
    # nothing left to do: refused, nothing written
    r = admin.post("/admin/workflow/submit", data={"term": s.term.id, "class_id": s.class_a.id},
                   follow_redirects=True)
    assert "没有做任何更改" in r.get_data(as_text=True)
    assert len(audit_rows("submit")) == 2


def test_another_schools_class_among_the_chosen_is_not_found(school, make):
    other = make.school_class(make.major(make.department(make.school())), make.school())
    with pytest.raises(NotFound):
        workflow.plan_step(school.admin, school.term, "submit", [school.class_a.id, other.id])
    with pytest.raises(PermissionDenied):
        workflow.plan_step(school.teacher, school.term, "submit", [school.class_a.id])


# ---- finalizing during the notice period -----------------------------------------------------

def test_days_left_are_counted_in_the_school_time_zone(app):
    ends = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # 12-06 01:00 in Shanghai
    now = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 12-05 23:00 in Shanghai
    assert workflow.days_left(ends, now) == 1  # in UTC it would be the same day
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    assert workflow.days_left(ends, now) == 0


def test_finalize_during_notice_needs_a_reason_kept_in_the_audit_row(school, act):
    publish(school, [school.class_a.id], days=5)
    with pytest.raises(ValidationFailed) as refused:
        workflow.run_step(school.admin, school.term, "finalize", [school.class_a.id],
                          reason="   ", now=later(1))
    assert "reason" in refused.value.errors
    db.session.rollback()
    plan = workflow.plan_step(school.admin, school.term, "finalize", [school.class_a.id],
                              now=later(1))
    assert plan.needs_reason and plan.acting[0].days_left == 4

    admin = act(school.admin)
    r = confirm(admin, "finalize", school.term, [school.class_a.id])
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "24机电1班 的公示期尚未结束：请说明现在确认的理由。" in html
    assert "请填写理由。" in html and "还剩 5 天" in html
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.PUBLISHED
    assert audit_rows("finalize") == []
    r = confirm(admin, "finalize", school.term, [school.class_a.id],
                reason="家长会前需确认，全班已核对")
    assert r.status_code == 302
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.FINAL
    (row,) = audit_rows("finalize")
    assert row.after["reason"] == "家长会前需确认，全班已核对"
    assert row.actor_id == school.admin.id and row.before["state"] == "published"


def test_undecided_appeals_block_finalizing_with_a_clear_message(school):
    publish(school, [school.class_a.id, school.class_b.id])
    db.session.add(Appeal(term_id=school.term.id, student_id=school.students[0].id,
                          indicator="moral.service", text="x", status=AppealStatus.PENDING))
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        workflow.finalize_classes(school.admin, school.term, [school.class_a.id], reason="r")
    assert str(refused.value.message) == "24机电1班：1 条申诉尚未处理，请先处理。"
    db.session.rollback()
    outcome = workflow.run_step(school.admin, school.term, "finalize",
                                [school.class_a.id, school.class_b.id], reason="r")
    assert outcome.done == ["24机电2班"] and outcome.skipped[0][0] == "24机电1班"


# ---- reopening a final class -----------------------------------------------------------------

@pytest.fixture
def final_school(school, make):
    wrong = make.entry(school.term, school.students[0], "moral.discipline", "-10", school.teacher)
    db.session.commit()
    publish(school, [school.class_a.id])
    workflow.finalize_classes(school.admin, school.term, [school.class_a.id], reason="核实无误")
    db.session.commit()
    school.wrong = wrong
    return school


def test_reopen_needs_a_reason_and_keeps_the_results_in_the_audit_row(final_school):
    s = final_school
    before = {r.student_id: r.overall_stars for r in db.session.scalars(
        sa.select(StarResult).where(StarResult.class_id == s.class_a.id))}
    with pytest.raises(ValidationFailed) as refused:
        workflow.reopen_class(s.admin, s.term, s.class_a.id, "")
    assert "reason" in refused.value.errors
    db.session.rollback()
    row = workflow.reopen_class(s.admin, s.term, s.class_a.id, "漏记一名学生的技能比赛",
                                notice_days=3)
    db.session.commit()
    assert row.state == ClassState.PUBLISHED and row.finalized_at is None
    ends = row.notice_ends_at.replace(tzinfo=UTC) if row.notice_ends_at.tzinfo is None \
        else row.notice_ends_at
    assert timedelta(days=2, hours=23) < ends - utcnow() <= timedelta(days=3)
    (audit,) = audit_rows("reopen")
    assert audit.after["reason"] == "漏记一名学生的技能比赛" and audit.actor_id == s.admin.id
    assert audit.before["state"] == "final" and audit.school_id == s.school.id
    assert {r["student_id"]: r["overall_stars"] for r in audit.before["results"]} == before
    # students may appeal again: the class is in a new notice period
    appeal = appeals.create_appeal(s.student_user, s.term, AppealInput(
        entry_id=s.wrong.id, text="那天我不在学校"))
    assert appeal.status == AppealStatus.PENDING


def test_reopen_refused_for_teachers_other_schools_and_open_classes(final_school, make):
    s = final_school
    outsider = make.user(Role.ADMIN, make.school().id)
    city = make.user(Role.ADMIN, None)
    for actor in (s.teacher, outsider, city):
        with pytest.raises(PermissionDenied):
            workflow.reopen_class(actor, s.term, s.class_a.id, "理由")
    with pytest.raises(ValidationFailed):
        workflow.reopen_class(s.admin, s.term, s.class_b.id, "理由")  # open, not final
    db.session.rollback()
    assert cstate.class_state(s.term, s.class_a.id) == ClassState.FINAL
    assert audit_rows("reopen") == []


def test_reopen_over_http_and_the_history_shows_the_results_before(final_school, act, make):
    s = final_school
    url = f"/admin/workflow/reopen/{s.class_a.id}?term={s.term.id}"
    teacher = act(s.teacher)
    assert teacher.get(url).status_code == 403
    assert teacher.post(url, data={"reason": "x"}).status_code == 403
    outsider = act(make.user(Role.ADMIN, make.school().id))
    db.session.commit()
    assert outsider.post(url, data={"term": s.term.id, "reason": "x"}).status_code == 404
    assert outsider.get(f"/admin/workflow/reopen/{s.class_a.id}").status_code == 404
    admin = act(s.admin)
    html = admin.get(url).get_data(as_text=True)
    assert 'id="reopen-form"' in html and "5 条结果" in html
    r = admin.post(url, data={"term": s.term.id, "reason": " ", "notice_days": "3"})
    assert r.status_code == 400 and "请说明重新开放这个班级的理由。" in r.get_data(as_text=True)
    assert cstate.class_state(s.term, s.class_a.id) == ClassState.FINAL
    r = admin.post(url, data={"term": s.term.id, "reason": "违纪记录记错了人",
                              "notice_days": "3"})
    assert r.status_code == 302 and "/admin/workflow/history/" in r.headers["Location"]
    assert cstate.class_state(s.term, s.class_a.id) == ClassState.PUBLISHED
    # the wrong entry is removed through the student's appeal; the stars change
    appeal = appeals.create_appeal(s.student_user, s.term, AppealInput(
        entry_id=s.wrong.id, text="不是我"))
    appeals.accept_appeal(s.teacher, appeal.id, Decision(action="delete", reason="记错"))
    db.session.commit()
    html = admin.get(f"/admin/workflow/history/{s.class_a.id}?term={s.term.id}").get_data(
        as_text=True)
    assert "违纪记录记错了人" in html and "核实无误" in html
    student_row = html[html.index(s.students[0].student_no):].split("</tr>")[0]
    old_star = audit_rows("reopen")[0].before["results"]
    old = next(r for r in old_star if r["student_id"] == s.students[0].id)
    new = db.session.scalar(sa.select(StarResult).where(
        StarResult.student_id == s.students[0].id))
    assert old["overall_score"] != new.overall_score
    assert old["overall_score"] in student_row and new.overall_score in student_row
    assert db.session.scalar(sa.select(sa.func.count(ClassTermStatus.id))) == 1


def test_an_unknown_step_is_not_found(school, act):
    admin = act(school.admin)
    assert admin.get(f"/admin/workflow/delete/confirm?class_id={school.class_a.id}"
                     ).status_code == 404
    assert admin.post("/admin/workflow/delete/confirm",
                      data={"class_id": school.class_a.id}).status_code == 404

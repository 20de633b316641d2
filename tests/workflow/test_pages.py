"""The workflow pages over HTTP: student stars page, appeals, teacher decisions, admin publishing."""

from __future__ import annotations

import io
import json
import re

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Appeal, AppealStatus, Attachment, ClassState, StudentTermNote
from starrating.services import appeals, workflow
from starrating.services import class_state as cstate
from starrating.services.appeals import AppealInput, Upload
from tests.workflow.helpers import publish

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _radar(html):
    m = re.search(r'<script type="application/json" id="radar-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else None


def test_student_sees_entries_but_not_stars_before_publication(school, make, act):
    make.entry(school.term, school.students[0], "moral.service", "8", school.teacher)
    db.session.commit()
    me = act(school.student_user)
    html = me.get("/student/").get_data(as_text=True)
    assert _radar(html) is None and "radar.js" not in html
    assert "id=\"dim-moral\"" not in html
    html = me.get("/student/entries").get_data(as_text=True)
    assert "+8.00" in html


def test_provisional_stars_when_configured(app, school, make, act):
    app.config["STUDENTS_SEE_STARS_BEFORE_PUBLICATION"] = True
    make.entry(school.term, school.students[0], "moral.service", "8", school.teacher)
    db.session.commit()
    html = act(school.student_user).get("/student/").get_data(as_text=True)
    assert _radar(html)["values"][0] == 4
    assert "dim-moral" in html


def test_student_page_after_publication(school, make, act):
    make.entry(school.term, school.students[0], "moral.service", "8", school.teacher)
    db.session.commit()
    publish(school)
    me = act(school.student_user)
    html = me.get("/student/").get_data(as_text=True)
    data = _radar(html)
    assert data["labels"][0] == "思想品德" and data["values"][0] == 4 and data["max"] == 5
    assert "radar.js" in html and "chart.umd.min.js" in html
    assert "思想品德 88 分" in html  # the engine's explanation in Chinese
    assert "7" in html and "5★" in html  # next star: 7 more points reach 5★
    me.post("/lang/en", data={"next": "/student/"})
    html = me.get("/student/").get_data(as_text=True)
    assert "Next star: 7 more points in Moral conduct reach 5★." in html  # name_en on English pages


def test_student_page_statement_count_does_not_grow(school, make, act, count_queries):
    publish(school)
    me = act(school.student_user)
    me.get("/student/")
    with count_queries() as q1:
        me.get("/student/")
    for s in school.students:
        for _ in range(5):
            make.entry(school.term, s, "moral.service", "1", school.teacher)
    db.session.commit()
    me.get("/student/")  # the write renders the stars block again once (page_cache)
    with count_queries() as q2:
        me.get("/student/")
    assert q1.count == q2.count


def test_self_statement_while_open_only(school, act):
    me = act(school.student_user)
    r = me.post("/student/statement", data={"statement": "本学期我参加了志愿服务。"})
    assert r.status_code == 302
    note = db.session.scalar(sa.select(StudentTermNote))
    assert note.self_statement == "本学期我参加了志愿服务。"
    workflow.submit_class(school.teacher, school.term, school.class_a.id)
    db.session.commit()
    r = me.post("/student/statement", data={"statement": "changed"}, follow_redirects=True)
    assert "你班已提交，自我陈述不能再修改。" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(StudentTermNote)).self_statement == "本学期我参加了志愿服务。"


def test_student_sees_only_own_things(school, make, act):
    mine = make.entry(school.term, school.students[0], "moral.discipline", "-2", school.teacher)
    theirs = make.entry(school.term, school.students[1], "moral.discipline", "-2", school.teacher)
    db.session.commit()
    publish(school)
    from tests.workflow.helpers import later  # noqa: F401

    other_user = next(u for u in [school.other_student_user])
    # an appeal with evidence by another student of the same class
    from starrating.models import User

    second = db.session.scalar(sa.select(User).where(User.student_id == school.students[1].id))
    theirs_appeal = appeals.create_appeal(second, school.term, AppealInput(
        entry_id=theirs.id, text="不是我", files=[Upload("p.png", PNG)]))
    db.session.commit()
    att = db.session.scalar(sa.select(Attachment).where(Attachment.appeal_id == theirs_appeal.id))
    me = act(school.student_user)
    assert me.get(f"/teacher/evidence/{att.id}").status_code == 403
    assert act(second).get(f"/teacher/evidence/{att.id}").status_code == 200
    assert me.get(f"/student/appeals?entry={theirs.id}").status_code == 404
    assert me.get(f"/student/appeals?entry={mine.id}").status_code == 200
    html = me.get("/student/appeals").get_data(as_text=True)
    assert "不是我" not in html
    assert me.get(f"/teacher/appeals/{theirs_appeal.id}").status_code == 403
    assert me.get("/teacher/appeals").status_code == 403
    assert me.get("/admin/workflow").status_code == 403
    # another school's term
    other = make.term(make.school())
    db.session.commit()
    assert me.get(f"/student/?term={other.id}").status_code == 404
    # the other class's student cannot see class A's stars page of someone else: only self
    html = act(other_user).get("/student/").get_data(as_text=True)
    assert school.students[0].name not in html
    # posting an appeal on someone else's entry
    r = me.post("/student/appeals", data={"entry_id": str(theirs.id), "text": "x"})
    assert r.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 1


def test_appeal_cycle_over_http(school, make, act):
    entry = make.entry(school.term, school.students[0], "moral.discipline", "-10", school.teacher)
    db.session.commit()
    publish(school)
    me = act(school.student_user)
    r = me.post("/student/appeals", data={
        "entry_id": str(entry.id), "text": "那天我请了病假",
        "evidence": (io.BytesIO(PNG), "假条.png")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    appeal = db.session.scalar(sa.select(Appeal))
    # a second one on the same entry is refused, nothing written
    r = me.post("/student/appeals", data={"entry_id": str(entry.id), "text": "again"})
    assert r.status_code == 200 and db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 1
    # a bad file
    r = me.post("/student/appeals", data={
        "indicator": "skill.competition", "text": "缺一条",
        "evidence": (io.BytesIO(b"GIF89a..."), "x.png")}, content_type="multipart/form-data")
    assert "“x.png”不是 JPG、PNG 或 PDF 文件。" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 1

    other = act(school.other_teacher)
    assert other.get(f"/teacher/appeals/{appeal.id}").status_code == 403
    assert other.post(f"/teacher/appeals/{appeal.id}/accept",
                      data={"accept-action": "delete"}).status_code == 403
    teacher = act(school.teacher)
    html = teacher.get("/teacher/appeals").get_data(as_text=True)
    assert "那天我请了病假" not in html and school.students[0].name in html
    html = teacher.get(f"/teacher/appeals/{appeal.id}").get_data(as_text=True)
    assert "假条.png" in html
    att = db.session.scalar(sa.select(Attachment))
    assert teacher.get(f"/teacher/evidence/{att.id}").status_code == 200
    r = teacher.post(f"/teacher/appeals/{appeal.id}/reject", data={"reject-reason": ""})
    assert r.status_code == 400
    r = teacher.post(f"/teacher/appeals/{appeal.id}/accept",
                     data={"accept-action": "change", "accept-points": "-2",
                           "accept-reason": "病假属实，按迟到计"})
    assert r.status_code == 302
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.status == AppealStatus.ACCEPTED
    assert appeal.stars_before["dimensions"]["moral"]["score"] == "70.00"
    assert appeal.stars_after["dimensions"]["moral"]["score"] == "78.00"
    html = me.get("/student/appeals").get_data(as_text=True)
    assert "病假属实" in html and "70.00" in html and "78.00" in html
    html = me.get("/student/").get_data(as_text=True)
    assert _radar(html)["values"][0] == 2


def test_teacher_submits_and_other_teacher_cannot(school, act):
    assert act(school.other_teacher).post(
        f"/teacher/class/{school.class_a.id}/submit").status_code == 403
    r = act(school.teacher).post(f"/teacher/class/{school.class_a.id}/submit")
    assert r.status_code == 302
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.SUBMITTED
    html = act(school.teacher).get(f"/teacher/class/{school.class_a.id}/status").get_data(
        as_text=True)
    assert "state-submitted" in html
    # without CSRF token
    r = act(school.teacher).post(f"/teacher/class/{school.class_b.id}/submit", csrf=False)
    assert r.status_code == 400


def test_admin_publishes_with_distribution_and_finalizes(school, make, act, count_queries):
    make.entry(school.term, school.students[0], "moral.service", "8", school.teacher)
    db.session.commit()
    workflow.submit_class(school.teacher, school.term, school.class_a.id)
    db.session.commit()
    admin = act(school.admin)
    html = admin.get("/admin/workflow").get_data(as_text=True)
    assert "state-submitted" in html and "dist-overall" in html
    assert f'name="class_id" value="{school.class_a.id}"' in html
    # the publishing page's buttons only lead to the confirmation page: nothing changes
    r = admin.post("/admin/workflow/publish/confirm", data={"term": school.term.id,
                                                           "class_id": school.class_a.id})
    assert r.status_code == 200 and 'id="confirm-form"' in r.get_data(as_text=True)
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.SUBMITTED
    r = admin.post("/admin/workflow/publish", data={"term": school.term.id,
                                                   "class_id": school.class_a.id,
                                                   "notice_days": "99"})
    assert r.status_code == 400
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.SUBMITTED
    r = admin.post("/admin/workflow/publish", data={"term": school.term.id,
                                                   "class_id": school.class_a.id,
                                                   "notice_days": "7"})
    assert r.status_code == 302
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.PUBLISHED
    # finalizing during the notice period: refused without a reason, done with one
    r = admin.post("/admin/workflow/finalize", data={"term": school.term.id,
                                                    "class_id": school.class_a.id})
    assert r.status_code == 400
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.PUBLISHED
    r = admin.post("/admin/workflow/finalize", data={"term": school.term.id,
                                                    "class_id": school.class_a.id,
                                                    "reason": "全班核对无误，提前确认"})
    assert r.status_code == 302
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.FINAL
    # the admin page in a fixed number of statements
    with count_queries() as q1:
        admin.get("/admin/workflow")
    for _ in range(20):
        make.student(school.class_b)
    db.session.commit()
    with count_queries() as q2:
        admin.get("/admin/workflow")
    assert q1.count == q2.count
    teacher = act(school.teacher)
    assert teacher.post("/admin/workflow/finalize", data={"term": school.term.id,
                                                          "class_id": school.class_b.id}
                        ).status_code == 403


def test_admin_of_other_school_cannot_publish(school, make, act):
    from starrating.models import Role

    workflow.submit_class(school.teacher, school.term, school.class_a.id)
    outsider = make.user(Role.ADMIN, make.school().id)
    db.session.commit()
    r = act(outsider).post("/admin/workflow/publish", data={"term": school.term.id,
                                                           "class_id": school.class_a.id})
    assert r.status_code == 404
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.SUBMITTED


def test_history_lists_other_published_terms(school, make, act):
    from datetime import date

    old = make.term(school.school, name="2025—2026学年第二学期", start=date(2026, 2, 20),
                    end=date(2026, 7, 10))
    make.assign(old, school.class_a, school.teacher)
    make.entry(old, school.students[0], "moral.service", "10", school.teacher)
    db.session.commit()
    workflow.submit_class(school.admin, old, school.class_a.id)
    workflow.publish_classes(school.admin, old, [school.class_a.id])
    workflow.finalize_classes(school.admin, old, [school.class_a.id], reason="核实无误")
    db.session.commit()
    me = act(school.student_user)
    html = me.get("/student/").get_data(as_text=True)
    assert "2025—2026学年第二学期" in html and f"/student/?term={old.id}" in html
    html = me.get(f"/student/?term={old.id}").get_data(as_text=True)
    assert _radar(html)["values"][0] == 4  # 90 points in 思想品德 (3★ this term)
    # another student's history is not shown to this one
    html = act(school.other_student_user).get("/student/").get_data(as_text=True)
    assert "2025—2026学年第二学期" not in html


def test_pages_show_a_due_class_as_closed_and_finalize_due_finalizes_it(school, act, runner):
    """The notice period has ended: the page says appeals are closed without writing that
    down (no GET writes); `stars finalize-due` (cron, the worker) makes the class final."""
    from datetime import timedelta

    from starrating.models import ClassTermStatus

    publish(school)
    row = db.session.scalar(sa.select(ClassTermStatus))
    row.notice_ends_at = row.published_at + timedelta(minutes=1)
    db.session.commit()
    html = act(school.student_user).get("/student/appeals").get_data(as_text=True)
    assert "不再受理申诉" in html
    # Shown as final (appeals closed) while the row itself waits for `stars finalize-due`.
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.FINAL
    db.session.expire_all()
    stored = db.session.scalar(sa.select(ClassTermStatus))
    assert stored.state == ClassState.PUBLISHED and stored.finalized_at is None
    result = runner.invoke(args=["stars", "finalize-due"])
    assert result.exit_code == 0 and "1 classes finalized." in result.output
    db.session.expire_all()
    assert db.session.get(ClassTermStatus, stored.id).state == ClassState.FINAL


def test_admin_compute_button(school, make, act):
    from starrating.models import StarResult

    r = act(school.admin).post("/admin/workflow/compute", data={"term": school.term.id},
                               follow_redirects=True)
    assert r.status_code == 200 and "7" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(StarResult.id))) == 7
    assert act(school.teacher).post("/admin/workflow/compute",
                                    data={"term": school.term.id}).status_code == 403

"""The teacher pages over HTTP: what they show, ownership (403), conflicts, query counts."""

from __future__ import annotations

import io
from datetime import date

import pytest

from starrating.extensions import db
from starrating.models import Attachment
from tests.teacher.conftest import TINY_PNG, audit_rows, live_entries, text

DAY = "2026-10-08"


def entry_form(student_ids, **kw):
    data = {"students": [str(i) for i in student_ids], "indicator": "moral.service",
            "item": "", "points": "2", "occurred_on": DAY, "note": "社区志愿服务"}
    data.update(kw)
    return data


def test_teacher_home_lists_my_classes_only(act, school):
    page = text(act(school.teacher).get("/teacher/"))
    assert school.class_a.name in page and school.class_b.name not in page


def test_recording_an_entry_changes_the_class_page(act, school):
    teacher = act(school.teacher)
    student = school.students[0]
    url = f"/teacher/class/{school.class_a.id}"
    before = row_html(teacher.get(url), student.id)
    response = teacher.post("/teacher/entry/new", entry_form([student.id], points="7.5"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/teacher/student/{student.id}")
    [entry] = live_entries()
    assert entry.points_cents == 750 and entry.author_id == school.teacher.id
    page = text(teacher.get(f"/teacher/student/{student.id}"))
    assert "+7.50" in page and "社区志愿服务" in page
    after = row_html(teacher.get(url), student.id)
    assert dimension_score(after, "moral") == dimension_score(before, "moral") + 7.5


def row_html(response, student_id) -> str:
    html = response.get_data(as_text=True)
    return html.split(f'id="student-{student_id}"', 1)[1].split("</tr>", 1)[0]


def dimension_score(row: str, key: str) -> float:
    cell = row.split(f'data-dimension="{key}"', 1)[1]
    return float(cell.split('class="score">', 1)[1].split("<", 1)[0])


def test_entry_form_keeps_typed_values_and_shows_errors(act, school):
    response = act(school.teacher).post(
        "/teacher/entry/new", entry_form([school.students[0].id], points="1.234",
                                         note="我的备注"))
    assert response.status_code == 400
    page = text(response)
    assert "1.234" in page and "我的备注" in page and 'aria-invalid="true"' in page
    assert live_entries() == []


def test_entry_with_evidence_and_its_download(act, school):
    teacher = act(school.teacher)
    response = teacher.post("/teacher/entry/new", {
        **entry_form([school.students[0].id]), "evidence": (io.BytesIO(TINY_PNG), "奖状.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    att = db.session.query(Attachment).one()
    got = teacher.get(f"/teacher/evidence/{att.id}")
    assert got.status_code == 200 and got.data == TINY_PNG
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in got.headers["Content-Disposition"]
    assert act(school.student_user).get(f"/teacher/evidence/{att.id}").status_code == 200
    assert act(school.admin).get(f"/teacher/evidence/{att.id}").status_code == 200
    assert act(school.other_teacher).get(f"/teacher/evidence/{att.id}").status_code == 403
    assert act(school.other_student_user).get(f"/teacher/evidence/{att.id}").status_code == 403
    anonymous = act(None).get(f"/teacher/evidence/{att.id}")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login")


def test_fake_evidence_is_refused_with_a_message(act, school):
    response = act(school.teacher).post("/teacher/entry/new", {
        **entry_form([school.students[0].id]),
        "evidence": (io.BytesIO(b"MZ\x90\x00 not an image"), "photo.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "photo.jpg" in text(response) and live_entries() == []


def test_another_class_is_403_for_pages_posts_and_evidence(act, make, school):
    other = school.other_students[0]
    entry = make.entry(school.term, other, author=school.other_teacher)
    db.session.add(Attachment(entry_id=entry.id, student_id=other.id, original_name="a.png",
                              stored_name="x.png", content_type="image/png", size=1,
                              sha256="0" * 64, uploaded_by_id=school.other_teacher.id))
    db.session.commit()
    att = db.session.query(Attachment).one()
    teacher = act(school.teacher)
    b = school.class_b.id
    for url in (f"/teacher/class/{b}", f"/teacher/class/{b}/grid", f"/teacher/class/{b}/import",
                f"/teacher/class/{b}/import/template.xlsx", f"/teacher/student/{other.id}",
                f"/teacher/entry/{entry.id}/edit", f"/teacher/evidence/{att.id}"):
        assert teacher.get(url).status_code == 403, url
    posts = [
        ("/teacher/entry/new", entry_form([other.id])),
        (f"/teacher/entry/{entry.id}/edit", {**entry_form([]), "version": entry.version}),
        (f"/teacher/entry/{entry.id}/delete", {"version": entry.version}),
        (f"/teacher/student/{other.id}/comment", {"comment": "x"}),
        (f"/teacher/class/{b}/grid", {"indicator": "moral.service", "occurred_on": DAY,
                                      f"cell-{other.id}": "2"}),
        (f"/teacher/class/{b}/import", {"file": (io.BytesIO(b"PK"), "x.xlsx")}),
    ]
    for url, data in posts:
        assert teacher.post(url, data).status_code == 403, url
    # a student of class B smuggled into the grid of class A
    response = teacher.post(f"/teacher/class/{school.class_a.id}/grid", {
        "indicator": "moral.service", "occurred_on": DAY, f"cell-{other.id}": "2"})
    assert response.status_code == 403
    assert len(live_entries()) == 1  # only the one made above


def test_students_cannot_open_teacher_pages(act, school):
    student = act(school.student_user)
    assert student.get(f"/teacher/class/{school.class_a.id}").status_code == 403
    assert student.post("/teacher/entry/new",
                        entry_form([school.students[0].id])).status_code == 403


def test_two_edits_from_the_same_version_conflict_clearly(act, make, school):
    entry = make.entry(school.term, school.students[0], author=school.teacher)
    db.session.commit()
    first, second = act(school.teacher), act(school.teacher)
    seen = str(entry.version)
    form = {"indicator": "moral.service", "item": "", "occurred_on": DAY, "note": "",
            "version": seen}
    assert first.post(f"/teacher/entry/{entry.id}/edit", {**form, "points": "3"}
                      ).status_code == 302
    response = second.post(f"/teacher/entry/{entry.id}/edit", {**form, "points": "9"})
    assert response.status_code == 409
    page = text(response)
    assert "您打开此记录后，其他人已修改了它。您的修改未保存；请核对下方的当前内容后再试。" in page
    assert "+3.00" in page and 'value="9"' in page  # the saved values and the typed ones
    [now] = live_entries()
    assert now.points_cents == 300
    update = audit_rows(action="update", object_id=entry.id)
    assert len(update) == 1 and update[0].before["points_cents"] == 200
    # the same stale version cannot delete either
    assert second.post(f"/teacher/entry/{entry.id}/delete",
                       {"version": seen}).status_code == 302
    assert len(live_entries()) == 1


def test_delete_keeps_history(act, make, school):
    entry = make.entry(school.term, school.students[0], author=school.teacher)
    db.session.commit()
    response = act(school.teacher).post(f"/teacher/entry/{entry.id}/delete",
                                        {"version": str(entry.version)})
    assert response.status_code == 302
    assert live_entries() == []
    [row] = audit_rows(action="delete", object_id=entry.id)
    assert row.before["deleted_at"] is None and row.after["deleted_at"]


def test_student_page_filters_and_comment(act, make, school):
    s = school.students[0]
    make.entry(school.term, s, indicator="moral.service", points="2", author=school.teacher,
               note="志愿A")
    make.entry(school.term, s, indicator="skill.certificate", points="5",
               author=school.teacher, note="证书B", occurred_on=date(2026, 11, 2))
    db.session.commit()
    teacher = act(school.teacher)
    page = text(teacher.get(f"/teacher/student/{s.id}?dimension=moral"))
    assert "志愿A" in page and "证书B" not in page
    page = text(teacher.get(f"/teacher/student/{s.id}?date_from=2026-11-01"))
    assert "证书B" in page and "志愿A" not in page
    response = teacher.post(f"/teacher/student/{s.id}/comment", {"comment": "踏实肯干。"})
    assert response.status_code == 302
    assert "踏实肯干。" in text(teacher.get(f"/teacher/student/{s.id}"))


def test_grid_saves_a_whole_class_in_one_request(act, school):
    teacher = act(school.teacher)
    s = school.students
    data = {"indicator": "moral.service", "item": "", "occurred_on": DAY, "note": "大扫除",
            "points": "1", "tick": [str(s[0].id), str(s[1].id)], f"cell-{s[2].id}": "2.5",
            f"cell-{s[3].id}": "", f"cell-{s[4].id}": ""}
    response = teacher.post(f"/teacher/class/{school.class_a.id}/grid", data)
    assert response.status_code == 302, text(response)[-800:]
    got = {e.student_id: e.points_cents for e in live_entries()}
    assert got == {s[0].id: 100, s[1].id: 100, s[2].id: 250}


def test_grid_error_beside_the_cell_keeps_typed_values(act, school):
    s = school.students
    response = act(school.teacher).post(f"/teacher/class/{school.class_a.id}/grid", {
        "indicator": "moral.service", "item": "", "occurred_on": DAY, "note": "",
        "points": "", f"cell-{s[0].id}": "2", f"cell-{s[1].id}": "abc",
        "tick": [str(s[2].id)]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="cell-{s[1].id}-errors"' in html and f'id="cell-{s[2].id}-errors"' in html
    assert f'id="cell-{s[0].id}-errors"' not in html
    assert 'value="abc"' in html and 'value="2"' in html
    assert f'value="{s[2].id}" id="tick-{s[2].id}" checked' in html
    assert live_entries() == []


def _big_class(make, school, n):
    school_class = make.school_class(school.major, school.school, f"大班{n}")
    make.assign(school.term, school_class, school.teacher)
    students = [make.student(school_class) for _ in range(n)]
    for s in students:
        make.entry(school.term, s, author=school.teacher)
    db.session.commit()
    return school_class, students


@pytest.mark.parametrize("what", ["class", "grid", "student", "home", "save"])
def test_statement_counts_do_not_grow_with_the_class(act, make, school, count_queries, what):
    small, small_students = _big_class(make, school, 10)
    large, large_students = _big_class(make, school, 60)
    for s in (small_students[0], large_students[0]):
        make.entry(school.term, s, points="-1", author=school.teacher)
    from starrating.services import sanctions

    sanctions.add_flag(school.admin, school.term, small_students[1].student_no,
                     "sanction.warning", date(2026, 10, 1), None)
    sanctions.add_flag(school.admin, school.term, large_students[1].student_no,
                     "sanction.warning", date(2026, 10, 1), None)
    db.session.commit()
    teacher = act(school.teacher)
    teacher.get("/teacher/")  # warm up: session, CSRF token
    # ids read here, not while counting (the test's objects expire at each commit)
    small = (small.id, [s.id for s in small_students])
    large = (large.id, [s.id for s in large_students])

    def run(class_id, student_ids):
        if what == "class":
            return teacher.get(f"/teacher/class/{class_id}")
        if what == "grid":
            return teacher.get(f"/teacher/class/{class_id}/grid")
        if what == "student":
            return teacher.get(f"/teacher/student/{student_ids[0]}")
        if what == "home":
            return teacher.get("/teacher/")
        return teacher.post(f"/teacher/class/{class_id}/grid", {
            "indicator": "moral.service", "item": "", "occurred_on": DAY, "note": "",
            "points": "1", "tick": [str(sid) for sid in student_ids]})

    status = 302 if what == "save" else 200
    teacher.csrf()
    with count_queries() as q_small:
        r = run(*small)
    assert r.status_code == status, text(r)[-600:]
    with count_queries() as q_large:
        r = run(*large)
    assert r.status_code == status
    if q_small.count != q_large.count:
        print("\n---\n".join(s[:150] for s in q_small.statements))
    assert q_small.count == q_large.count
    if what == "save":
        assert len(live_entries()) == 70 + 2 + 70

"""The entries services without HTTP: validation, ownership, versions, history, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from starrating.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import Attachment, EntrySource, Flag, StudentTermNote
from starrating.services import class_pages, entries, evidence, notes, sanctions
from starrating.services import entry_input as entry_in
from starrating.services.class_state import Frozen, is_editable
from tests.teacher.conftest import TINY_PNG, audit_rows, live_entries

TODAY = date(2026, 11, 20)


def entry_input(**kw):
    data = {"indicator": "moral.service", "points": "2", "occurred_on": date(2026, 10, 8),
            "note": "社区志愿服务"}
    data.update(kw)
    return entry_in.EntryInput(**data)


def test_record_one_event_for_several_students(school):
    ids = [s.id for s in school.students[:3]]
    created = entries.record_entries(school.teacher, school.term, ids, entry_input(),
                                     today=TODAY)
    db.session.commit()
    assert [e.student_id for e in live_entries()] == ids
    assert all(e.points == Decimal("2.00") and e.author_id == school.teacher.id
               and e.source == EntrySource.FORM for e in live_entries())
    rows = audit_rows(action="create", object_type="entry")
    assert len(rows) == 3 and rows[0].before is None
    assert rows[0].after["points_cents"] == 200 and rows[0].after["id"] == created[0].id


@pytest.mark.parametrize("field,kw", [
    ("points", {"points": "1.234"}),
    ("points", {"points": "abc"}),
    ("points", {"points": "5000"}),
    ("points", {"points": "0"}),
    ("points", {"points": ""}),
    ("indicator", {"indicator": "moral.nonsense"}),
    ("occurred_on", {"occurred_on": date(2026, 11, 21)}),  # after "today"
    ("occurred_on", {"occurred_on": date(2026, 8, 31)}),  # before the term
    ("occurred_on", {"occurred_on": None}),
    ("note", {"note": "x" * 2001}),
    ("item", {"item": "moral.service|99"}),
])
def test_bad_input_is_refused_with_the_field_named(school, field, kw):
    with pytest.raises(ValidationFailed) as e:
        entries.record_entries(school.teacher, school.term, [school.students[0].id],
                               entry_input(**kw), today=TODAY)
    assert field in e.value.errors
    db.session.rollback()
    assert live_entries() == []


def test_points_parsing_accepts_what_teachers_type():
    assert entry_in.parse_points("２") == Decimal("2.00")
    assert entry_in.parse_points("−1.5") == Decimal("-1.50")
    assert entry_in.parse_points("+3") == Decimal("3.00")
    assert entry_in.parse_points(" 0.25 ") == Decimal("0.25")


def test_catalogue_item_gives_its_points(school):
    rules = entry_in.rules_for(school.term)
    key = next(k for k in rules.indicator_keys() if rules.indicator(k).items)
    item = rules.indicator(key).items[0]
    [entry] = entries.record_entries(school.teacher, school.term, [school.students[0].id],
                                     entry_input(indicator=key, points="", item=f"{key}|0"),
                                     today=TODAY)
    assert entry.points == item.points and entry.item_name == item.name


def test_teacher_cannot_record_for_another_class(school):
    with pytest.raises(PermissionDenied):
        entries.record_entries(school.teacher, school.term,
                               [school.students[0].id, school.other_students[0].id],
                               entry_input(), today=TODAY)
    db.session.rollback()
    assert live_entries() == []


def test_students_cannot_record(school):
    with pytest.raises(PermissionDenied):
        entries.record_entries(school.student_user, school.term, [school.students[0].id],
                               entry_input(), today=TODAY)


def test_admin_records_for_any_class_of_the_school(school):
    entries.record_entries(school.admin, school.term, [school.other_students[0].id],
                           entry_input(), today=TODAY)
    assert len(live_entries()) == 1


def test_stale_version_is_a_conflict_and_the_first_edit_stays(school):
    [entry] = entries.record_entries(school.teacher, school.term, [school.students[0].id],
                                     entry_input(), today=TODAY)
    db.session.commit()
    seen = entry.version
    entries.update_entry(school.teacher, entry.id, seen, entry_input(points="3"), today=TODAY)
    db.session.commit()
    with pytest.raises(Conflict) as e:
        entries.update_entry(school.teacher, entry.id, seen, entry_input(points="5"),
                             today=TODAY)
    assert "其他人已修改了它" in str(e.value.message)
    db.session.rollback()
    [now] = live_entries()
    assert now.points == Decimal("3.00") and now.version == seen + 1


def test_update_and_delete_keep_history_in_the_audit_log(school):
    [entry] = entries.record_entries(school.teacher, school.term, [school.students[0].id],
                                     entry_input(), today=TODAY)
    db.session.commit()
    entries.update_entry(school.teacher, entry.id, entry.version,
                         entry_input(indicator="moral.attendance", points="-1", note="迟到"), today=TODAY)
    db.session.commit()
    entries.delete_entry(school.teacher, entry.id, entry.version)
    db.session.commit()
    assert live_entries() == []
    assert db.session.get(type(entry), entry.id).deleted_at is not None  # soft delete
    update = audit_rows(action="update", object_id=entry.id)[0]
    assert update.before["points_cents"] == 200 and update.after["points_cents"] == -100
    assert update.before["note"] == "社区志愿服务" and update.after["note"] == "迟到"
    delete = audit_rows(action="delete", object_id=entry.id)[0]
    assert delete.before["deleted_at"] is None and delete.after["deleted_at"] is not None


def test_only_the_author_or_an_admin_changes_an_entry(school, make):
    entry = make.entry(school.term, school.students[0], author=school.admin)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        entries.update_entry(school.teacher, entry.id, entry.version, entry_input(),
                             today=TODAY)
    with pytest.raises(PermissionDenied):
        entries.delete_entry(school.other_teacher, entry.id, entry.version)
    entries.delete_entry(school.admin, entry.id, entry.version)


def test_deleted_entry_cannot_be_edited(school, make):
    entry = make.entry(school.term, school.students[0], author=school.teacher)
    entries.delete_entry(school.teacher, entry.id, entry.version)
    with pytest.raises(NotFound):
        entries.update_entry(school.teacher, entry.id, entry.version, entry_input(),
                             today=TODAY)


def test_locked_class_refuses_writes(school, make):
    from starrating.services import workflow

    workflow.submit_class(school.teacher, school.term, school.class_a.id)
    db.session.commit()
    with pytest.raises(Frozen):
        entries.record_entries(school.teacher, school.term, [school.students[0].id],
                               entry_input(), today=TODAY)
    assert is_editable(school.term, school.class_a.id) is False


def test_evidence_is_checked_by_content_and_stored_with_a_random_name(school, app):
    [entry] = entries.record_entries(
        school.teacher, school.term, [school.students[0].id],
        entry_input(evidence=[(TINY_PNG, "../../奖状.png")]), today=TODAY)
    db.session.commit()
    [att] = db.session.query(Attachment).all()
    assert att.entry_id == entry.id and att.original_name == "奖状.png"
    assert att.content_type == "image/png" and att.stored_name != "奖状.png"
    _, path = evidence.get_for_download(school.student_user, att.id)
    assert path.read_bytes() == TINY_PNG
    with pytest.raises(PermissionDenied):
        evidence.get_for_download(school.other_teacher, att.id)
    with pytest.raises(PermissionDenied):
        evidence.get_for_download(school.other_student_user, att.id)
    evidence.get_for_download(school.admin, att.id)


@pytest.mark.parametrize("content,name", [
    (b"GIF89a....", "x.png"),
    (b"<html><script>alert(1)</script>", "x.pdf"),
])
def test_evidence_that_is_not_jpg_png_pdf_is_refused(school, content, name):
    with pytest.raises(ValidationFailed) as e:
        entries.record_entries(school.teacher, school.term, [school.students[0].id],
                               entry_input(evidence=[(content, name)]), today=TODAY)
    assert "evidence" in e.value.errors


def test_evidence_too_large_is_refused(school, app):
    app.config["EVIDENCE_MAX_BYTES"] = 100
    with pytest.raises(ValidationFailed) as e:
        entries.record_entries(school.teacher, school.term, [school.students[0].id],
                               entry_input(evidence=[(TINY_PNG + b"0" * 200, "big.png")]),
                               today=TODAY)
    [message] = e.value.errors["evidence"]
    assert str(message).count("big.png") == 1


def grid(rows, **kw):
    data = {"indicator": "moral.service", "occurred_on": date(2026, 10, 8), "note": "大扫除"}
    data.update(kw)
    return entries.GridInput(rows=rows, **data)


def test_grid_saves_ticked_and_typed_rows_in_one_go(school):
    s = school.students
    n = entries.save_grid(school.teacher, school.term, school.class_a, grid([
        entries.GridRow(s[0].id, ticked=True), entries.GridRow(s[1].id, points="3"),
        entries.GridRow(s[2].id, ticked=True, points="-1"), entries.GridRow(s[3].id)],
        points="1.5"), today=TODAY)
    db.session.commit()
    assert n == 3
    got = {e.student_id: e.points for e in live_entries()}
    assert got == {s[0].id: Decimal("1.50"), s[1].id: Decimal("3.00"), s[2].id: Decimal("-1.00")}
    assert all(e.source == EntrySource.GRID for e in live_entries())
    assert len(audit_rows(action="create", object_type="entry")) == 3
    assert all(r.after["points_cents"] for r in audit_rows(action="create"))


def test_grid_errors_are_per_row_and_nothing_is_written(school):
    s = school.students
    with pytest.raises(ValidationFailed) as e:
        entries.save_grid(school.teacher, school.term, school.class_a, grid([
            entries.GridRow(s[0].id, points="2"), entries.GridRow(s[1].id, points="x"),
            entries.GridRow(s[2].id, ticked=True)]), today=TODAY)
    assert set(e.value.errors) == {f"row-{s[1].id}", f"row-{s[2].id}"}
    db.session.rollback()
    assert live_entries() == []


def test_grid_refuses_another_class(school):
    with pytest.raises(PermissionDenied):
        entries.save_grid(school.teacher, school.term, school.class_b,
                          grid([entries.GridRow(school.other_students[0].id, points="1")]),
                          today=TODAY)
    with pytest.raises(PermissionDenied):  # a student of class B smuggled into A's grid
        entries.save_grid(school.teacher, school.term, school.class_a,
                          grid([entries.GridRow(school.other_students[0].id, points="1")]),
                          today=TODAY)


def test_comment_is_saved_and_audited(school):
    student = school.students[0]
    notes.save_comment(school.teacher, school.term, student, "积极向上，乐于助人。")
    notes.save_comment(school.teacher, school.term, student, "改了。")
    db.session.commit()
    note = db.session.query(StudentTermNote).one()
    assert note.teacher_comment == "改了。" and note.comment_by_id == school.teacher.id
    update = audit_rows(object_type="student_term_note", action="update")[0]
    assert update.before["teacher_comment"] == "积极向上，乐于助人。"
    with pytest.raises(PermissionDenied):
        notes.save_comment(school.other_teacher, school.term, student, "x")


def test_sanctions_by_admins_only_and_visible_on_the_class_overview(school):
    student = school.students[1]
    with pytest.raises(PermissionDenied):
        sanctions.add_flag(school.teacher, school.term, student.student_no, "sanction.warning",
                         date(2026, 10, 1), None)
    with pytest.raises(ValidationFailed) as e:
        sanctions.add_flag(school.admin, school.term, "nobody", "sanction.nothing",
                         date(2026, 10, 5), date(2026, 10, 1))
    assert set(e.value.errors) == {"student_no", "key", "end_date"}
    flag = sanctions.add_flag(school.admin, school.term, student.student_no, "sanction.demerit",
                            date(2026, 10, 1), date(2027, 1, 1), "旷课")
    db.session.commit()
    overview = class_pages.class_overview(school.teacher, school.term, school.class_a.id)
    row = next(r for r in overview.rows if r.student.id == student.id)
    assert [f.key for f in row.flags] == ["sanction.demerit"]
    sanctions.revoke_flag(school.admin, flag.id)
    db.session.commit()
    assert db.session.get(Flag, flag.id).revoked_at is not None
    assert [r.action for r in audit_rows(object_type="flag")] == ["create", "revoke"]


def test_class_overview_shows_running_scores(school):
    before = class_pages.class_overview(school.teacher, school.term, school.class_a.id)
    s0 = school.students[0]
    score0 = {r.student.id: r.result for r in before.rows}[s0.id].dimensions["moral"].score
    entries.record_entries(school.teacher, school.term, [s0.id], entry_input(points="5"),
                           today=TODAY)
    after = class_pages.class_overview(school.teacher, school.term, school.class_a.id)
    row = next(r for r in after.rows if r.student.id == s0.id)
    assert row.result.dimensions["moral"].score > score0 and row.entries == 1
    with pytest.raises(PermissionDenied):
        class_pages.class_overview(school.teacher, school.term, school.class_b.id)

"""岗课赛证 registry (issue 18): results count once at the highest award, a changed result
updates its computed entry, claims count after approval, computed entries keep the
indicator's bounds and are not typed entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import AuditLog, Certificate, ClaimStatus
from starrating.services import entries, history, registry, scoring
from starrating.services.class_state import Frozen
from starrating.services.entry_input import EntryInput
from tests.security.helpers import TINY_PNG
from tests.workflow.helpers import publish

from .helpers import DAY, cert_input, competition, computed


def test_two_results_in_one_competition_count_once_at_the_higher_award(app, school):
    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    registry.add_result(admin, comp.id, student.student_no, "third")
    registry.add_result(admin, comp.id, student.student_no, "first")
    db.session.commit()
    (entry,) = computed(student.id)
    assert entry.indicator == "skill.competition" and entry.points == Decimal("15.00")
    assert entry.item_name == "省级技能大赛一等奖" and entry.note == comp.name
    assert entry.occurred_on == DAY and entry.term_id == school.term.id
    # a second competition counts on its own
    other = competition(admin, name="市技能大赛", level="city")
    registry.add_result(admin, other.id, student.student_no, "second")
    db.session.commit()
    assert sorted(e.points for e in computed(student.id)) == [Decimal("5.00"), Decimal("15.00")]


def test_a_changed_or_removed_result_updates_the_computed_entry(app, school):
    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    result = registry.add_result(admin, comp.id, student.student_no, "first")
    db.session.commit()
    (entry,) = computed(student.id)
    registry.change_result(admin, comp.id, result.id, "second")
    db.session.commit()
    (changed,) = computed(student.id)
    assert changed.id == entry.id  # the same entry, changed: its history stays
    assert changed.points == Decimal("12.00") and changed.item_name == "省级技能大赛二等奖"
    rows = history.entry_history(changed)
    assert [r.action for r in rows] == ["create", "update"]
    registry.delete_result(admin, comp.id, result.id)
    db.session.commit()
    assert computed(student.id) == []


def test_the_explanation_names_the_award_in_both_languages(app, school, act):
    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    registry.add_result(admin, comp.id, student.student_no, "second")
    db.session.commit()
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert registry.explanation("competition", "province", "second",
                                        Decimal("6")) == "省级技能大赛二等奖 +6"
        with force_locale("en"):
            assert registry.explanation("competition", "province", "second", Decimal("6")) \
                == "Provincial skills competition, Second prize +6"
    page = act(admin).get(f"/admin/registry/competitions/{comp.id}").get_data(as_text=True)
    assert "省级技能大赛二等奖 +12" in page


def test_computed_entries_keep_the_indicators_bounds(app, school):
    """Three national first prizes (30 each) on skill.competition (max 30): the engine clamps
    the subtotal as for any entries."""
    admin, student = school.admin, school.students[0]
    for n in range(3):
        comp = competition(admin, name=f"国赛{n}", level="national")
        registry.add_result(admin, comp.id, student.student_no, "first")
    db.session.commit()
    assert sum(e.points for e in computed(student.id)) == Decimal("90.00")
    result = scoring.evaluate_term(school.term, [school.class_a.id])[student.id]
    assert result.dimensions["skill"].indicators["skill.competition"].subtotal == 30


def test_a_points_table_beyond_the_indicators_bounds_is_refused(app, school):
    data = registry.SettingsInput("skill.competition", "skill.certificate",
                                  {"competition.national.first": "40"})
    with pytest.raises(ValidationFailed):
        registry.save_settings(school.admin, school.term.id, data)


def test_a_changed_points_table_updates_the_terms_computed_entries(app, school):
    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    registry.add_result(admin, comp.id, student.student_no, "second")
    db.session.commit()
    _, settings, _ = registry.settings_page(admin, school.term.id)
    cells = {f"competition.{lv}.{aw}": str(settings.competition_points(lv, aw))
             for lv in registry.LEVEL_ZH for aw in registry.AWARD_ZH}
    cells |= {f"certificate.{lv}": str(settings.certificate_points(lv))
              for lv in registry.CERT_ZH}
    cells["competition.province.second"] = "6"
    registry.save_settings(admin, school.term.id, registry.SettingsInput(
        "skill.competition", "skill.certificate", cells))
    db.session.commit()
    (entry,) = computed(student.id)
    assert entry.points == Decimal("6.00")
    # no indicator named: nothing counts
    registry.save_settings(admin, school.term.id, registry.SettingsInput("", "", cells))
    db.session.commit()
    assert computed(student.id) == []


def test_a_certificate_claim_counts_only_after_approval(app, school):
    student = school.students[0]
    cert = registry.claim_certificate(school.student_user, cert_input(), ("cert.png", TINY_PNG))
    db.session.commit()
    assert cert.status == ClaimStatus.PENDING and cert.attachment_id is not None
    assert computed(student.id) == []
    with pytest.raises(PermissionDenied):  # the teacher of another class
        registry.decide_claim(school.other_teacher, cert.id, True)
    registry.decide_claim(school.teacher, cert.id, True)
    db.session.commit()
    (entry,) = computed(student.id)
    assert entry.indicator == "skill.certificate" and entry.points == Decimal("8.00")
    actions = {(r.object_type, r.action) for r in db.session.query(AuditLog)}
    assert ("certificate", "approve") in actions
    with pytest.raises(ValidationFailed):  # decided once
        registry.decide_claim(school.admin, cert.id, False, "重复")


def test_a_rejected_claim_never_counts_and_needs_a_reason(app, school):
    cert = registry.claim_certificate(school.student_user, cert_input(), ("cert.png", TINY_PNG))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        registry.decide_claim(school.admin, cert.id, False, "")
    registry.decide_claim(school.admin, cert.id, False, "照片看不清")
    db.session.commit()
    assert db.session.get(Certificate, cert.id).status == ClaimStatus.REJECTED
    assert computed() == []


def test_a_claim_needs_a_photo_and_another_schools_admin_never_sees_it(app, school, make):
    with pytest.raises(ValidationFailed) as refused:
        registry.claim_certificate(school.student_user, cert_input(), None)
    assert "photo" in refused.value.errors
    cert = registry.claim_certificate(school.student_user, cert_input(), ("c.png", TINY_PNG))
    db.session.commit()
    from starrating.models import Role

    other = make.user(Role.ADMIN, make.school(name="别的学校").id)
    with pytest.raises(NotFound):
        registry.decide_claim(other, cert.id, True)


def test_an_office_certificate_counts_at_once_and_leaves_with_its_entry(app, school):
    student = school.students[0]
    cert = registry.add_certificate(school.admin, student.student_no, cert_input(level="level3"))
    db.session.commit()
    assert [e.points for e in computed(student.id)] == [Decimal("12.00")]
    registry.delete_certificate(school.admin, cert.id)
    db.session.commit()
    assert computed(student.id) == []


def test_computed_entries_are_not_typed_entries(app, school, act):
    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    registry.add_result(admin, comp.id, student.student_no, "first")
    db.session.commit()
    (entry,) = computed(student.id)
    for actor in (school.teacher, admin):
        with pytest.raises((ValidationFailed, PermissionDenied)):
            entries.update_entry(actor, entry.id, entry.version, EntryInput(
                indicator="skill.competition", points="1", occurred_on=DAY))
        with pytest.raises((ValidationFailed, PermissionDenied)):
            entries.delete_entry(actor, entry.id, entry.version)
    with pytest.raises(ValidationFailed) as refused:  # the admin is told why
        entries.delete_entry(admin, entry.id, entry.version)
    assert "岗课赛证" in str(refused.value.message)
    db.session.rollback()
    assert computed(student.id)[0].points == Decimal("15.00")
    # the class teacher's page shows it without an edit button, and says why
    page = act(school.teacher).get(f"/teacher/student/{student.id}").get_data(as_text=True)
    row = page.split(f'id="entry-{entry.id}"', 1)[1].split("</tr>", 1)[0]
    assert "/edit" not in row and "岗课赛证" in row
    assert act(school.teacher).post(f"/teacher/entry/{entry.id}/delete",
                                    {"version": entry.version}).status_code in (302, 400, 403)
    assert computed(student.id)[0].points == Decimal("15.00")


def test_a_change_in_a_published_class_is_refused_and_writes_nothing(app, school):
    publish(school)
    comp = competition(school.admin)
    db.session.commit()
    with pytest.raises(Frozen):
        registry.add_result(school.admin, comp.id, school.students[0].student_no, "first")
    db.session.rollback()
    assert computed() == [] and not db.session.get(type(comp), comp.id).results


def test_a_competition_outside_every_term_counts_nowhere(app, school):
    from datetime import date

    comp = competition(school.admin, day=date(2025, 5, 1))
    registry.add_result(school.admin, comp.id, school.students[0].student_no, "first")
    db.session.commit()
    assert computed() == []
    _, rows, term_name = registry.competition_page(school.admin, comp.id)
    assert term_name == "" and rows[0].points is None


def test_registry_words_for_every_audited_column(app):
    for table in ("competition", "competition_result", "certificate", "registry_settings"):
        assert table in history.OBJECTS
        for column in db.metadata.tables[table].columns:
            assert column.name in history.FIELDS or column.name in history.QUIET, (
                table, column.name)


def test_the_audit_page_tells_registry_changes(app, school, act):
    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    result = registry.add_result(admin, comp.id, student.student_no, "third")
    registry.change_result(admin, comp.id, result.id, "first")
    cert = registry.claim_certificate(school.student_user, cert_input(), ("c.png", TINY_PNG))
    registry.decide_claim(school.teacher, cert.id, True)
    db.session.commit()
    html = act(admin).get("/admin/audit").get_data(as_text=True)
    assert "三等奖 改为 一等奖" in html or "从 三等奖 改为 一等奖" in html, html[-3000:]
    assert "电工职业技能等级证书" in html


def test_the_card_lists_the_students_awards_and_certificates(app, school):
    from starrating.services.reports import pdf

    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    registry.add_result(admin, comp.id, student.student_no, "third")
    registry.add_result(admin, comp.id, student.student_no, "second")
    registry.add_certificate(admin, student.student_no, cert_input())
    pending = registry.claim_certificate(school.student_user, cert_input(name="焊工证",
                                                                         number="H1"),
                                         ("c.png", TINY_PNG))
    db.session.commit()
    with app.test_request_context():
        (card,) = pdf.card_data(school.term, [student.id])
        assert [(a["name"], a["award"]) for a in card.awards] == [(comp.name, "second")]
        assert [c["name"] for c in card.certificates] == ["电工职业技能等级证书"]
        html = pdf.card_html(school.term, card, "zh")
        assert f"{comp.name}（省级 二等奖）" in html and "电工职业技能等级证书（四级/中级工 DG-001）" in html
        assert pending.name not in html  # a claim waiting for approval is not on the card
        english = pdf.card_html(school.term, card, "en")
        assert "Competition awards" in english and "Provincial second prize" in english


def test_an_appeal_does_not_change_a_computed_entry(app, school):
    from starrating.services import appeals
    from starrating.services.appeals import AppealInput, Decision

    admin, student = school.admin, school.students[0]
    comp = competition(admin)
    registry.add_result(admin, comp.id, student.student_no, "first")
    db.session.commit()
    (entry,) = computed(student.id)
    publish(school)
    appeal = appeals.create_appeal(school.student_user, school.term,
                                   AppealInput(entry_id=entry.id, text="应为国家级"))
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        appeals.accept_appeal(school.teacher, appeal.id, Decision(action="delete", reason="x"))
    assert "岗课赛证" in str(refused.value.message)

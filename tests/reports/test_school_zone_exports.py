"""An export built where no school user is logged in (the job worker, the command line) is
written in the term's school's own time zone, not the instance's."""

from __future__ import annotations

import io
from datetime import datetime

import time_machine

from starrating.extensions import db
from starrating.services.reports import pdf

from .test_print import page_texts

# 05:00 UTC on 2 December: 13:00 the same day in Shanghai, 21:00 on 1 December in Los Angeles
WHEN = datetime.fromisoformat("2026-12-02T05:00:00+00:00")


def _card_text(demo, tmp_path) -> str:
    buffer = io.BytesIO()
    with time_machine.travel(WHEN, tick=False):
        pdf.write_cards_pdf(None, demo.term, buffer, demo.class_c)
    return "".join(page_texts(buffer.getvalue(), tmp_path))


def test_cards_of_a_school_in_another_zone_carry_its_date(demo, tmp_path):
    demo.school.timezone = "America/Los_Angeles"
    db.session.commit()
    text = _card_text(demo, tmp_path)
    assert "2026-12-01" in text and "2026-12-02" not in text


def test_cards_of_a_school_in_shanghai_carry_its_date(demo, tmp_path):
    text = _card_text(demo, tmp_path)
    assert "2026-12-02" in text and "2026-12-01" not in text

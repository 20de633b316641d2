"""Report cards: Chinese text (rare name characters included), the embedded font, zips."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from starrating.errors import NotFound, PermissionDenied
from starrating.services.reports import pdf
from tests.reports.conftest import RARE_NAME

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext missing: apt-get install poppler-utils")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def keep(path: Path) -> None:
    """A copy to look at (render it with pdftoppm): test-artifacts/reports/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / path.name)


def pdf_text(path, layout=True) -> str:
    args = ["pdftotext", "-layout"] if layout else ["pdftotext"]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def raw_text(path, first: int | None = None) -> str:
    """The text in drawing order (`pdftotext -raw`), of one page when `first` is given."""
    pages = ["-f", str(first), "-l", str(first)] if first else []
    return subprocess.run(["pdftotext", "-raw", *pages, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def lines(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()]


@needs_poppler
def test_card_text_is_chinese_with_rare_name_characters(demo, tmp_path):
    out = tmp_path / "card.pdf"
    out.write_bytes(pdf.student_card(demo.admin, demo.term, demo.rare))
    keep(out)
    text = lines(pdf_text(out))
    result = demo.results[demo.rare.id]
    assert text[:2] == ["测试技师学院", "学生综合素质成长报告单"]
    assert text[2].startswith(demo.term.name + " · 评价细则：")
    assert text[3] == "暂定（未确认） 本学期结果尚未最终确认，以最终确认的结果为准。"
    assert text[4] == f"姓名 {RARE_NAME} 学号 2024999001 班级 24机电1班"
    assert text[5] == "专业 机电一体化 系部 机电工程系 班主任 王老师"
    assert f"综合得分：{result.overall_score}" in " ".join(text)
    body = "\n".join(text)
    for line in ("思想品德·志愿服务 2 +8.00", "技能·技能大赛 1 +10.00", "思想品德·出勤 1 -2.00",
                 "11-20 市级技能大赛二等奖 +10.00"):
        assert line in body
    assert f"思想品德 {result.dimensions['moral']['score']}" in body
    # The two notes sit side by side and wrap: compare in drawing order, without line
    # breaks (reading order would mix in the rotated 暂定 watermark).
    flat = "".join(raw_text(out).split())
    assert "自我陈述本学期我参加了技能大赛，也坚持志愿服务，今后继续努力。班主任评语" in flat
    assert "班主任评语该生学习认真，积极参加志愿服务，技能大赛表现突出。" in flat


@needs_poppler
def test_embedded_font_covers_every_character_on_the_card(demo, tmp_path):
    out = tmp_path / "card-font.pdf"
    out.write_bytes(pdf.student_card(demo.admin, demo.term, demo.rare))
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    for row in fonts:
        name, emb = row.split()[0], row.split()[-5]
        assert name.split("+")[-1].startswith("WenQuanYi-Zen-Hei"), f"fallback font used: {row}"
        assert emb == "yes", f"font not embedded: {row}"
    covered = pdf.font_codepoints(pdf.card_font())
    text = pdf_text(out)
    assert RARE_NAME in text
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in covered}
    assert not missing


def test_card_font_is_one_with_the_rare_characters():
    path = pdf.card_font()
    assert all(ord(ch) in pdf.font_codepoints(path) for ch in RARE_NAME)


def test_radar_chart_has_an_axis_per_dimension():
    svg = pdf.radar_svg([("思想品德", 0.9), ("技能", 0.5), ("社团", 0.0), ("劳动", 1.2)])
    assert svg.startswith("<svg") and svg.count("<text") == 4 and svg.count("<circle") == 4
    assert "<script" not in svg
    assert pdf.radar_svg([("a", 1), ("b", 1)]) == ""


@needs_poppler
def test_english_card(demo, tmp_path):
    out = tmp_path / "card-en.pdf"
    out.write_bytes(pdf.student_card(demo.admin, demo.term, demo.rare, lang="en"))
    text = pdf_text(out)
    assert "Student Comprehensive Quality Report" in text and RARE_NAME in text


def test_class_cards_zip_has_one_pdf_per_student_with_results(demo, tmp_path):
    buffer = io.BytesIO()
    progress = []
    count = pdf.write_cards_zip(demo.teacher, demo.term, buffer, demo.class_a,
                                progress=lambda done, total: progress.append((done, total)),
                                progress_every=2)
    names = zipfile.ZipFile(buffer).namelist()
    assert count == len(names) == 6
    assert f"2024999001-{RARE_NAME}-{demo.term.name}成长报告单.pdf" in names
    assert progress[0] == (0, 6) and progress[-1] == (6, 6)
    assert all(zipfile.ZipFile(buffer).read(n).startswith(b"%PDF") for n in names)


def test_school_cards_zip_has_a_folder_per_class(demo):
    buffer = io.BytesIO()
    count = pdf.write_cards_zip(demo.admin, demo.term, buffer)
    names = zipfile.ZipFile(buffer).namelist()
    assert count == len(names) == len(demo.results)
    assert {n.split("/")[0] for n in names} == {"24机电1班", "24机电2班", "24数控3班"}


def test_who_may_have_a_card(demo):
    own = demo.students[0]
    assert pdf.student_card(demo.student_user, demo.term, own).startswith(b"%PDF")
    assert pdf.student_card(demo.teacher, demo.term, own).startswith(b"%PDF")
    with pytest.raises(PermissionDenied):
        pdf.student_card(demo.other_teacher, demo.term, own)
    with pytest.raises(PermissionDenied):
        pdf.student_card(demo.student_user, demo.term, demo.students[1])
    with pytest.raises(PermissionDenied):
        pdf.write_cards_zip(demo.teacher, demo.term, io.BytesIO(), demo.class_b)
    with pytest.raises(PermissionDenied):
        pdf.write_cards_zip(demo.teacher, demo.term, io.BytesIO())


def test_no_card_before_results_are_stored(make, school):
    with pytest.raises(NotFound):
        pdf.student_card(school.admin, school.term, school.students[0])


def test_card_data_for_a_class_takes_a_fixed_number_of_queries(demo, make, count_queries):
    from starrating.extensions import db

    with count_queries() as few:
        pdf.card_data(demo.term, class_ids=[demo.class_c.id])
    for _ in range(5):
        s = make.student(demo.class_c)
        make.entry(demo.term, s, "moral.service", "2")
    db.session.commit()
    with count_queries() as more:
        cards = pdf.card_data(demo.term, class_ids=[demo.class_c.id])
    assert len(cards) == 10 and more.count == few.count

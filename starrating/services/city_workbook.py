"""The city workbook: a city sheet (one row per school: students, classes, star distribution,
publication progress) and a summary sheet per school (its stars by grade and by major).

Every figure is the city dashboard's (services/city_dashboard.py), so the workbook shows
what the page shows: the STORED results of each school's term in force, nothing computed.
Written with XlsxWriter like the school's workbook (services/reports/xlsx.py: the same
options, so a name such as `=HYPERLINK(...)` stays text), as an export job on the queue
(services/reports/jobs.py, kind "city_xlsx"); each school's sheet carries its logo.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import IO

import xlsxwriter

from ..models import ClassState, User, utcnow
from .city_dashboard import CityDashboard, SchoolFigures, city_dashboard
from .clock import local_date
from .reports.logo import insert_logo, school_logos, title_format
from .reports.xlsx import WORKBOOK_OPTIONS, sheet_name

CITY_SHEET = "全市"
STATE_ZH = {ClassState.OPEN: "录入中", ClassState.SUBMITTED: "已提交",
            ClassState.PUBLISHED: "公示中", ClassState.FINAL: "已确认"}
STATES = tuple(STATE_ZH)


def city_headers(max_stars: int) -> list[str]:
    return (["学校代码", "学校", "当前学期", "在读学生", "已出星级学生", "参评班级"]
            + [f"{level}星" for level in range(max_stars, -1, -1)]
            + [f"班级{STATE_ZH[state]}" for state in STATES])


def write_city_workbook(actor: User, out: str | IO[bytes], now: datetime | None = None,
                        progress: Callable[[int, int], None] | None = None) -> int:
    """Write the workbook for the city office; returns the number of schools."""
    dash = city_dashboard(actor, now)  # checks the actor is the city office
    logos = school_logos(s.id for s in dash.schools)
    book = xlsxwriter.Workbook(out, WORKBOOK_OPTIONS)
    styles = {"title": book.add_format({"bold": True, "font_size": 14}),
              "head": book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1}),
              "share": book.add_format({"num_format": "0.0%"})}
    _city_sheet(book, dash, styles, local_date(now or utcnow()))
    used = {CITY_SHEET.lower()}
    total = len(dash.schools)
    for done, school in enumerate(dash.schools, start=1):
        _school_sheet(book, school, dash, styles, sheet_name(school.name, used),
                      logos.get(school.id))
        if progress is not None:
            progress(done, total)
    book.close()
    return total


def _city_sheet(book, dash: CityDashboard, styles, today: str) -> None:
    sheet = book.add_worksheet(CITY_SHEET)
    title = f"全市学生综合素质星级评价汇总（{today}）"
    sheet.write_string(0, 0, title, styles["title"])
    sheet.set_header("&C" + title.replace("&", "&&"))
    heads = city_headers(dash.max_stars)
    for col, text in enumerate(heads):
        sheet.write_string(1, col, text, styles["head"])
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 2, 24)
    sheet.set_column(3, len(heads) - 1, 9)
    sheet.freeze_panes(2, 2)
    row = 2
    for school in dash.schools:
        _city_row(sheet, row, school, dash.max_stars)
        row += 1
    totals = SchoolFigures(id=0, code="", name="合计", name_en="", active=True,
                           max_stars=dash.max_stars)
    totals.overall = dash.overall
    totals.progress = dash.progress
    totals.enrolled = sum(s.enrolled for s in dash.schools)
    totals.classes = sum(s.classes for s in dash.schools)
    _city_row(sheet, row, totals, dash.max_stars, styles["head"])


def _city_row(sheet, row: int, school: SchoolFigures, max_stars: int, style=None) -> None:
    sheet.write_string(row, 0, school.code, style)
    sheet.write_string(row, 1, school.name, style)
    sheet.write_string(row, 2, school.term_name, style)
    col = 3
    for value in (school.enrolled, school.rated, school.classes):
        sheet.write_number(row, col, value, style)
        col += 1
    for level in range(max_stars, -1, -1):
        sheet.write_number(row, col, school.overall[level] if level < len(school.overall)
                           else 0, style)
        col += 1
    for state in STATES:
        sheet.write_number(row, col, school.progress.get(state, 0), style)
        col += 1


def _school_sheet(book, school: SchoolFigures, dash: CityDashboard, styles, name: str,
                  logo) -> None:
    sheet = book.add_worksheet(name)
    levels = list(range(school.max_stars, -1, -1))
    heads_after = ["人数"] + [f"{level}星" for level in levels]
    indent = insert_logo(sheet, logo)
    title = f"{school.name} {school.term_name} 星级分布（已出结果）"
    sheet.write_string(0, 0, title, title_format(book, indent, bold=True, font_size=14)
                       if indent else styles["title"])
    sheet.set_header("&C" + title.replace("&", "&&"))
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, len(heads_after), 8)
    row = 1
    facts = [("在读学生", school.enrolled), ("已出星级学生", school.rated),
             ("参评班级", school.classes)] + [
        (f"班级{STATE_ZH[state]}", school.progress.get(state, 0)) for state in STATES]
    for label, value in facts:
        sheet.write_string(row, 0, label)
        sheet.write_number(row, 1, value)
        row += 1
    for heading, rows in (("年级", school.by_grade), ("专业", school.by_major)):
        row += 1
        sheet.write_string(row, 0, heading, styles["head"])
        for col, text in enumerate(heads_after, start=1):
            sheet.write_string(row, col, text, styles["head"])
        row += 1
        for label, counts in rows:
            sheet.write_string(row, 0, label)
            sheet.write_number(row, 1, sum(counts))
            for col, level in enumerate(levels, start=2):
                sheet.write_number(row, col, counts[level])
            row += 1
    if school.trend:
        row += 1
        for col, text in enumerate(["学期", "已出星级学生", f"{dash.trend_stars}星及以上",
                                    "占比", "平均星级"]):
            sheet.write_string(row, col, text, styles["head"])
        row += 1
        for point in school.trend:
            sheet.write_string(row, 0, point.name)
            sheet.write_number(row, 1, point.students)
            sheet.write_number(row, 2, point.at_least)
            sheet.write_number(row, 3, point.share, styles["share"])
            sheet.write_number(row, 4, point.average)
            row += 1

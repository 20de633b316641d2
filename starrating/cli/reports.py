"""Export commands: `flask --app starrating report xlsx|pdf ...` (run as the server's operator).

    report xlsx --term NAME_OR_ID --out FILE.xlsx [--class NAME]
    report pdf  --term NAME_OR_ID --student 学号 --out FILE.pdf [--lang zh|en]
    report pdf  --term NAME_OR_ID --class NAME --out FILE.zip
    report pdf  --term NAME_OR_ID --class NAME --merged [--only 学号,学号] --out FILE.pdf
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from ..models import SchoolClass, Student
from ..services.reports import pdf
from ..services.reports.xlsx import write_workbook
from ..services.terms import find_term
from .common import fail

report_cli = AppGroup("report", help="Export workbooks and report cards.")


def _term(name_or_id: str | None):
    try:
        return find_term(name_or_id)
    except DomainError as e:
        fail(str(e.message))


def _class(term, name: str) -> SchoolClass:
    school_class = db.session.scalar(sa.select(SchoolClass).where(
        SchoolClass.school_id == term.school_id, SchoolClass.name == name))
    if school_class is None:
        fail(f"no class named {name!r} in {term.school.name}")
    return school_class


def _students(term, numbers: str) -> list[int]:
    wanted = [n.strip() for n in numbers.split(",") if n.strip()]
    found = dict(db.session.execute(sa.select(Student.student_no, Student.id).where(
        Student.school_id == term.school_id, Student.student_no.in_(wanted))).all())
    missing = [n for n in wanted if n not in found]
    if missing:
        fail(f"no student with 学号 {', '.join(missing)}")
    return list(found.values())


@report_cli.command("xlsx")
@click.option("--term", "term_name", default=None, help="Term name or id (default: current).")
@click.option("--class", "class_name", default=None, help="Only this class (its name).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def xlsx_command(term_name, class_name, out):
    """The term's stored results as a workbook: a summary sheet and a sheet per class."""
    term = _term(term_name)
    school_class = _class(term, class_name) if class_name else None
    started = time.perf_counter()
    try:
        rows = write_workbook(None, term, str(out), school_class)
    except DomainError as e:
        fail(str(e.message))
    click.echo(f"Wrote {rows} students to {out} in {time.perf_counter() - started:.1f} s.")


@report_cli.command("pdf")
@click.option("--term", "term_name", default=None, help="Term name or id (default: current).")
@click.option("--student", "student_no", default=None, help="学号 of one student.")
@click.option("--class", "class_name", default=None, help="A class: all its cards in a zip.")
@click.option("--merged", is_flag=True, help="With --class: one PDF to print, a page each.")
@click.option("--only", "only", default="", help="With --merged: these 学号 only (a,b,c).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def pdf_command(term_name, student_no, class_name, merged, only, lang, out):
    """Report cards (成长报告单): one student's PDF, or a class's cards as a zip or merged."""
    if bool(student_no) == bool(class_name):
        fail("give either --student 学号 or --class NAME")
    if (merged or only) and not class_name or only and not merged:
        fail("--merged goes with --class, --only with --merged")
    term = _term(term_name)
    started = time.perf_counter()
    try:
        if student_no:
            student = db.session.scalar(sa.select(Student).where(
                Student.school_id == term.school_id, Student.student_no == student_no))
            if student is None:
                fail(f"no student with 学号 {student_no!r}")
            out.write_bytes(pdf.student_card(None, term, student, lang))
            count = 1
        elif merged:
            count = pdf.write_cards_pdf(None, term, str(out), _class(term, class_name), lang,
                                        student_ids=_students(term, only) if only else None)
        else:
            count = pdf.write_cards_zip(None, term, str(out), _class(term, class_name), lang)
    except (DomainError, pdf.CardFontMissing) as e:
        fail(str(getattr(e, "message", None) or e))
    click.echo(f"Wrote {count} card(s) to {out} in {time.perf_counter() - started:.1f} s.")

"""The term's workbook: a summary sheet (overall stars per class) and one sheet per class.

Every sheet opens with a title row naming the term, the rule set and its version, and —
unless every class in the workbook is final — 暂定（未确认）, then when it was exported (the
school's wall time, clock.local_time); the same text is the sheet's printed page header. Column headers are on the second row, students from the third.

Rows are streamed from one query (`yield_per`) into XlsxWriter in constant-memory mode,
so 50,000 students take a few seconds and a flat ~tens of MB. Every text cell is written
with `write_string` and `strings_to_formulas` is off: a name such as `=HYPERLINK(...)`
stays text in Excel and LibreOffice.
"""

from __future__ import annotations

import re
import resource
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import sqlalchemy as sa
import xlsxwriter

from ...extensions import db
from ...models import SchoolClass, StarResult, Student, Term, User, utcnow
from ..access import ensure_class_export, ensure_term_export
from ..clock import local_time, zoned_by_term
from .common import PROVISIONAL_ZH, DimensionInfo, dimensions_of, final_classes, rule_version
from .logo import Logo, insert_logo, school_logo, title_format

WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False,
                    "strings_to_urls": False, "strings_to_numbers": False}
STREAM_BATCH = 2000
SUMMARY_SHEET = "汇总"
HEADER_ROW = 1  # a class sheet: title row, then the column headers
TITLE_SEPARATOR = "、"
# Finished sheets whose temp files stay open: half the process's open-file limit.
OPEN_SHEETS_MAX = max(32, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2)

# (class id, class name, 学号, 姓名, overall score text, overall stars, dimensions, titles)
Row = tuple[int, str, str, str, str | None, int, dict, list]


def result_rows(term: Term, class_ids: Iterable[int] | None = None) -> Iterator[Row]:
    """The term's stored results, class by class, streamed from one query."""
    query = (
        sa.select(StarResult.class_id, SchoolClass.name, Student.student_no, Student.name,
                  StarResult.overall_score, StarResult.overall_stars, StarResult.dimensions,
                  StarResult.titles)
        .join(Student, Student.id == StarResult.student_id)
        .join(SchoolClass, SchoolClass.id == StarResult.class_id)
        .where(StarResult.term_id == term.id)
        .order_by(SchoolClass.name, SchoolClass.id, Student.student_no)
        .execution_options(yield_per=STREAM_BATCH)
    )
    if class_ids is not None:
        query = query.where(StarResult.class_id.in_(list(class_ids)))
    # Core execution on the session's connection: no ORM row processing (2× faster).
    yield from db.session.connection().execute(query)


def headers(dimensions: list[DimensionInfo]) -> list[str]:
    cols = ["学号", "姓名", "班级"]
    for dim in dimensions:
        cols += [f"{dim.name}得分", f"{dim.name}星级"]
    return cols + ["综合得分", "综合星级", "称号"]


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: ≤ 31 characters, none of []:*?/\\, unique ignoring case."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "班级"
    candidate, n = base[:31], 1
    while candidate.lower() in used or candidate.lower() == "history":
        n += 1
        suffix = f"~{n}"
        candidate = base[:31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


class WorkbookWriter:
    """Writes rows into a summary sheet plus one sheet per class."""

    def __init__(self, out: str | IO[bytes], title: str, dimensions: list[DimensionInfo],
                 max_stars: int, note: str = "", provisional: bool = False,
                 class_title: str = "", exported: str = "", logo: Logo | None = None):
        """`note` (the rule set and version), the 暂定 mark when `provisional` and
        `exported` (when) follow the title on every sheet; a class sheet's title is
        `class_title` + its name; the school's `logo`, if any, sits at the top left of
        every sheet's title row."""
        self.class_title = class_title
        self.logo = logo
        self.book = xlsxwriter.Workbook(out, WORKBOOK_OPTIONS)
        self.note = "".join(f" · {part}" for part in (
            note, PROVISIONAL_ZH if provisional else "", exported) if part)
        self.title_formats: dict[tuple[bool, int], object] = {}
        self.dimensions = dimensions
        self.max_stars = max_stars
        self.headers = headers(dimensions)
        self.title = title
        self.bold = self.book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        self.score = self.book.add_format({"num_format": "0.00"})
        self.summary = self.book.add_worksheet(SUMMARY_SHEET)  # first tab, written last
        self.used = {SUMMARY_SHEET.lower()}
        self.sheet = None
        self.finished: deque = deque()
        self.row = 0
        self.current_class: int | None = None
        self.counts: list[tuple[str, list[int]]] = []

    def _new_class(self, class_id: int, class_name: str) -> None:
        if self.sheet is not None:
            self.finished.append(self.sheet)
            # Constant-memory mode keeps a temp file open per sheet until close(): with a
            # 1,000-class school and a 1,024 open-file limit, finished sheets must let go of
            # theirs (XlsxWriter reopens them when it packs the file; each reopen costs).
            while len(self.finished) > OPEN_SHEETS_MAX:
                self.finished.popleft()._opt_close()
        self.sheet = self.book.add_worksheet(sheet_name(class_name, self.used))
        self._title(self.sheet, f"{self.class_title}{class_name}")
        self.sheet.freeze_panes(HEADER_ROW + 1, 3)
        self.sheet.set_column(0, 0, 14)
        self.sheet.set_column(1, 2, 12)
        self.sheet.set_column(3, len(self.headers) - 2, 11)
        self.sheet.set_column(len(self.headers) - 1, len(self.headers) - 1, 24)
        for col, text in enumerate(self.headers):
            self.sheet.write_string(HEADER_ROW, col, text, self.bold)
        self.row = HEADER_ROW + 1
        self.current_class = class_id
        self.counts.append((class_name, [0] * (self.max_stars + 1)))

    def _title(self, sheet, title: str) -> None:
        """Row 0: the school's logo if any, the title, then the rule version and the 暂定
        mark (also printed on top of every page)."""
        indent = insert_logo(sheet, self.logo)
        mark = PROVISIONAL_ZH in self.note
        if (mark, indent) not in self.title_formats:
            self.title_formats[(mark, indent)] = title_format(
                self.book, indent, **({"bold": True, "font_color": "#B42318"} if mark
                                      else {"bold": True, "font_size": 14}))
        sheet.write_string(0, 0, title + self.note, self.title_formats[(mark, indent)])
        sheet.set_header("&C" + (title + self.note).replace("&", "&&"))

    def add(self, row: Row) -> None:
        class_id, class_name, number, name, overall, stars, dims, titles = row
        if class_id != self.current_class:
            self._new_class(class_id, class_name)
        sheet, r = self.sheet, self.row
        sheet.write_string(r, 0, number)
        sheet.write_string(r, 1, name)
        sheet.write_string(r, 2, class_name)
        col = 3
        for dim in self.dimensions:
            value = dims.get(dim.key)
            if value is not None:
                if value.get("score") is not None:
                    sheet.write_number(r, col, float(value["score"]), self.score)
                sheet.write_number(r, col + 1, value["stars"])
            col += 2
        if overall is not None:
            sheet.write_number(r, col, float(overall), self.score)
        sheet.write_number(r, col + 1, stars)
        if titles:
            sheet.write_string(r, col + 2, TITLE_SEPARATOR.join(titles))
        self.row = r + 1
        level = min(max(stars, 0), self.max_stars)
        self.counts[-1][1][level] += 1

    def close(self) -> None:
        s = self.summary
        levels = list(range(self.max_stars, -1, -1))
        cols = ["班级", "人数"] + [f"{level}星" for level in levels]
        self._title(s, self.title)
        for col, text in enumerate(cols):
            s.write_string(1, col, text, self.bold)
        s.set_column(0, 0, 18)
        totals = [0] * (self.max_stars + 1)
        r = 2
        for class_name, counts in self.counts:
            s.write_string(r, 0, class_name)
            s.write_number(r, 1, sum(counts))
            for col, level in enumerate(levels, start=2):
                s.write_number(r, col, counts[level])
                totals[level] += counts[level]
            r += 1
        s.write_string(r, 0, "合计", self.bold)
        s.write_number(r, 1, sum(totals), self.bold)
        for col, level in enumerate(levels, start=2):
            s.write_number(r, col, totals[level], self.bold)
        self.book.close()


@zoned_by_term
def write_workbook(actor: User | None, term: Term, out: str | IO[bytes],
                   school_class: SchoolClass | None = None,
                   progress: Callable[[int], None] | None = None,
                   progress_every: int = 1000) -> int:
    """Write the term's stored results (the school, or one class); returns the rows written.

    `actor` None is the command line. `progress(rows_done)` is called every
    `progress_every` rows.
    """
    if school_class is None:
        ensure_term_export(actor, term)
        class_ids = None
        scope = "全校"
    else:
        ensure_class_export(actor, term, school_class)
        class_ids = [school_class.id]
        scope = school_class.name
    dimensions, max_stars = dimensions_of(term)
    title = f"{term.school.name} {term.name} 学生综合素质星级评价（{scope}）"
    version = rule_version(term)
    in_book = class_ids if class_ids is not None else db.session.scalars(
        sa.select(StarResult.class_id).where(StarResult.term_id == term.id).distinct()).all()
    provisional = bool(set(in_book) - final_classes(term, in_book))
    writer = WorkbookWriter(out, title, dimensions, max_stars,
                            note=f"评价细则：{version.label()}" if version else "",
                            provisional=provisional,
                            class_title=f"{term.school.name} {term.name} ",
                            exported=f"导出时间：{local_time(utcnow())}",
                            logo=school_logo(term.school_id))
    done = 0
    for row in result_rows(term, class_ids):
        writer.add(row)
        done += 1
        if progress is not None and done % progress_every == 0:
            progress(done)
    writer.close()
    return done


def count_results(term: Term, school_class: SchoolClass | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(StarResult).where(
        StarResult.term_id == term.id)
    if school_class is not None:
        query = query.where(StarResult.class_id == school_class.id)
    return db.session.scalar(query) or 0


"""The term's workbook: values equal the stored results; text never becomes a formula."""

from __future__ import annotations

import csv
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from starrating.errors import PermissionDenied
from starrating.models import StarResult
from starrating.services.reports.xlsx import SUMMARY_SHEET, write_workbook
from starrating.services.scoring import term_rules
from tests.reports.conftest import FORMULA_NAME, store_results


def expected_rows(demo) -> dict[str, list]:
    """学号 → the row the workbook must hold, built from the stored results."""
    from starrating.extensions import db
    from starrating.models import SchoolClass, Student

    rules = term_rules(demo.term)
    rows = {}
    for student_id, r in demo.results.items():
        student = db.session.get(Student, student_id)
        row = [student.student_no, student.name, db.session.get(SchoolClass, r.class_id).name]
        for dim in rules.dimensions:
            row += [Decimal(r.dimensions[dim.key]["score"]), r.dimensions[dim.key]["stars"]]
        row += [Decimal(r.overall_score), r.overall_stars, "、".join(r.titles) or None]
        rows[student.student_no] = row
    return rows


def read_class_sheets(path) -> tuple[list[str], dict[str, list], list[str]]:
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames[0] == SUMMARY_SHEET
    header, rows = None, {}
    for ws in book.worksheets[1:]:
        sheet_rows = list(ws.iter_rows(values_only=True))
        # row 0 is the title (term, rule version, 暂定); widths pad it with empty cells
        header = list(sheet_rows[1])
        for values in sheet_rows[2:]:
            values = [Decimal(str(v)) if isinstance(v, float) else v for v in values]
            assert values[0] not in rows, "one row per student"
            rows[values[0]] = values
    return header, rows, book.sheetnames


def test_school_workbook_rows_equal_stored_results(demo, tmp_path):
    out = tmp_path / "school.xlsx"
    written = write_workbook(demo.admin, demo.term, str(out))
    header, rows, sheets = read_class_sheets(out)
    expected = expected_rows(demo)
    assert written == len(expected) == len(rows)
    assert rows == expected
    assert header[:3] == ["学号", "姓名", "班级"]
    dims = [d.name for d in term_rules(demo.term).dimensions]
    assert header[3:5] == [f"{dims[0]}得分", f"{dims[0]}星级"]
    assert header[-3:] == ["综合得分", "综合星级", "称号"]
    assert sheets == [SUMMARY_SHEET, "24数控3班", "24机电1班", "24机电2班"]


def test_summary_sheet_counts_each_overall_star_level_per_class(demo, tmp_path):
    out = tmp_path / "school.xlsx"
    write_workbook(demo.admin, demo.term, str(out))
    ws = openpyxl.load_workbook(out, read_only=True)[SUMMARY_SHEET]
    values = list(ws.iter_rows(values_only=True))
    assert demo.term.name in values[0][0]
    assert values[1][:3] == ("班级", "人数", "5星")
    by_class: dict[str, list[int]] = {}
    from starrating.extensions import db
    from starrating.models import SchoolClass

    for r in demo.results.values():
        counts = by_class.setdefault(db.session.get(SchoolClass, r.class_id).name, [0] * 6)
        counts[r.overall_stars] += 1
    for row in values[2:-1]:
        counts = by_class.pop(row[0])
        assert row[1] == sum(counts)
        assert list(row[2:8]) == counts[::-1]
    assert not by_class
    assert values[-1][0] == "合计" and values[-1][1] == len(demo.results)


def test_formula_looking_name_is_plain_text_in_openpyxl(demo, tmp_path):
    out = tmp_path / "school.xlsx"
    write_workbook(demo.admin, demo.term, str(out))
    book = openpyxl.load_workbook(out)  # not read-only: cell data types are visible
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value == FORMULA_NAME]
    assert len(cells) == 1
    assert cells[0].data_type == "s"  # a string, not a formula ("f")


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice missing: apt-get install libreoffice-calc-nogui")
def test_workbook_opens_in_libreoffice_with_the_same_values(demo, tmp_path):
    out = tmp_path / "class.xlsx"
    write_workbook(demo.admin, demo.term, str(out), demo.class_c)
    # The class sheet is the workbook's second sheet; LibreOffice converts one sheet to CSV,
    # so convert each: sheet index 2 (1-based) via the filter options.
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2',
                    "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=120)
    csv_path = tmp_path / "class-24数控3班.csv"
    if not csv_path.exists():
        csv_path = next(tmp_path.glob("class*.csv"))
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    expected = {k: v for k, v in expected_rows(demo).items() if v[2] == "24数控3班"}
    assert len(rows) - 2 == len(expected)  # a title row, the headers, the students
    for row in rows[2:]:
        want = expected[row[0]]
        assert row[1] == want[1]
        assert [Decimal(row[i]) for i in (3, 5, 7, 9, 11)] == [want[i] for i in (3, 5, 7, 9, 11)]
        assert [int(row[i]) for i in (4, 6, 8, 10, 12)] == [want[i] for i in (4, 6, 8, 10, 12)]
    names = [row[1] for row in rows[2:]]
    assert FORMULA_NAME in names  # LibreOffice read it as text: not evaluated to "y"


def test_class_workbook_holds_only_that_class(demo, tmp_path):
    out = tmp_path / "class.xlsx"
    assert write_workbook(demo.teacher, demo.term, str(out), demo.class_a) == 6
    _, rows, sheets = read_class_sheets(out)
    assert sheets == [SUMMARY_SHEET, "24机电1班"]
    assert {r[2] for r in rows.values()} == {"24机电1班"}


def test_who_may_export_workbooks(demo, tmp_path):
    out = str(tmp_path / "x.xlsx")
    with pytest.raises(PermissionDenied):
        write_workbook(demo.teacher, demo.term, out)  # the whole school: admins only
    with pytest.raises(PermissionDenied):
        write_workbook(demo.teacher, demo.term, out, demo.class_b)  # not their class
    with pytest.raises(PermissionDenied):
        write_workbook(demo.student_user, demo.term, out, demo.class_a)


def test_workbook_reads_results_in_constant_queries(demo, make, tmp_path, count_queries):
    from starrating.extensions import db

    with count_queries() as few:
        write_workbook(demo.admin, demo.term, str(tmp_path / "a.xlsx"))
    for n in range(3):
        cls = make.school_class(demo.major, demo.school, f"25新增{n}班")
        for _ in range(3):
            make.student(cls)
    db.session.execute(sa.delete(StarResult))
    store_results(demo.term)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as more:
        write_workbook(demo.admin, demo.term, str(tmp_path / "b.xlsx"))
    assert more.count == few.count


def test_finished_sheets_let_go_of_their_temp_files(monkeypatch, tmp_path):
    """A 1,000-class school must not need 1,000 open files (the limit is often 1,024)."""
    from starrating.services.reports import xlsx
    from starrating.services.reports.common import DimensionInfo

    monkeypatch.setattr(xlsx, "OPEN_SHEETS_MAX", 2)
    out = tmp_path / "many.xlsx"
    writer = xlsx.WorkbookWriter(str(out), "t", [DimensionInfo("m", "品德", 100.0)], 5)
    for c in range(10):
        for i in range(3):
            writer.add((c, f"班{c}", f"S{c}-{i}", "名", "80.50", 3,
                        {"m": {"score": "80.50", "stars": 3}}, ["三好学生"]))
    assert len(writer.finished) == 2
    writer.close()
    book = openpyxl.load_workbook(out, read_only=True)
    assert len(book.sheetnames) == 11
    rows = [r for ws in book.worksheets[1:] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert len(rows) == 30 and rows[-1] == ("S9-2", "名", "班9", 80.5, 3, 80.5, 3, "三好学生")

"""`flask report xlsx|pdf`: the operator's exports."""

from __future__ import annotations

import zipfile

import openpyxl

from tests.reports.conftest import RARE_NAME


def test_report_xlsx_school_and_class(runner, demo, tmp_path):
    out = tmp_path / "school.xlsx"
    result = runner.invoke(args=["report", "xlsx", "--term", demo.term.name, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 13 students" in result.output
    assert len(openpyxl.load_workbook(out, read_only=True).sheetnames) == 4
    out = tmp_path / "class.xlsx"
    result = runner.invoke(args=["report", "xlsx", "--term", str(demo.term.id),
                                 "--class", "24机电2班", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == ["汇总", "24机电2班"]


def test_report_pdf_student_and_class(runner, demo, tmp_path):
    out = tmp_path / "card.pdf"
    result = runner.invoke(args=["report", "pdf", "--term", demo.term.name,
                                 "--student", demo.rare.student_no, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    out = tmp_path / "class.zip"
    result = runner.invoke(args=["report", "pdf", "--term", demo.term.name,
                                 "--class", "24机电1班", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(out).namelist()
    assert len(names) == 6 and any(RARE_NAME in n for n in names)


def test_report_errors_are_plain_messages(runner, demo, tmp_path):
    out = str(tmp_path / "x.pdf")
    cases = [
        (["report", "xlsx", "--term", "没有这个学期", "--out", out], "no such term"),
        (["report", "xlsx", "--term", demo.term.name, "--class", "99班", "--out", out],
         "no class named"),
        (["report", "pdf", "--term", demo.term.name, "--student", "000", "--out", out],
         "no student"),
        (["report", "pdf", "--term", demo.term.name, "--out", out], "either --student"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and message in result.output, result.output

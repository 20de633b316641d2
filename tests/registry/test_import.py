"""The offices' sheets: a preview that writes nothing, then all rows or none."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from starrating.errors import ValidationFailed
from starrating.extensions import db
from starrating.models import Certificate, Competition, CompetitionResult
from starrating.services import registry
from tests.security.helpers import table_counts
from tests.workflow.helpers import publish

from .helpers import computed, xlsx

RESULTS_HEADER = ["比赛名称", "级别", "日期", "主办单位", "学号", "奖项"]


def results_sheet(school, *extra):
    a, b = school.students[0].student_no, school.students[1].student_no
    return xlsx([RESULTS_HEADER,
                 ["全国职业院校技能大赛", "国家级", "2026-10-20", "教育部", a, "三等奖"],
                 ["全国职业院校技能大赛", "国家级", "2026-10-20", "教育部", a, "一等奖"],
                 ["市技能节", "市级", "2026/11/02", "", b, "优秀奖"], *extra])


def test_the_preview_writes_nothing_and_the_confirm_writes_every_row(app, school):
    before = table_counts()
    checked = registry.preview(school.admin, results_sheet(school), "results.xlsx")
    assert checked.ok and checked.kind == "results" and checked.count("new") == 3
    assert checked.token
    db.session.commit()
    assert table_counts() == before
    result = registry.confirm(school.admin, checked.token)
    db.session.commit()
    assert result.created == 3
    assert db.session.scalar(sa.select(sa.func.count(Competition.id))) == 2
    # two results of one student in one competition: one entry, at the higher award
    mine = computed(school.students[0].id)
    assert [(e.item_name, e.points) for e in mine] == [("国家级技能大赛一等奖", Decimal("30.00"))]
    assert [e.item_name for e in computed(school.students[1].id)] == ["市级技能大赛优秀奖"]


def test_one_bad_row_and_nothing_is_written(app, school):
    sheet = results_sheet(school, ["省赛", "省级", "2026-10-01", "", "0000000", "二等奖"],
                          ["省赛", "区级", "not a date", "", school.students[2].student_no,
                           "特等奖"])
    checked = registry.preview(school.admin, sheet, "results.xlsx")
    assert not checked.ok and checked.token is None
    assert {(e.row, e.column) for e in checked.errors} == {
        (5, "学号"), (6, "级别"), (6, "日期"), (6, "奖项")}
    before = table_counts()
    with pytest.raises(ValidationFailed):
        registry.import_sheet(school.admin, sheet, "results.xlsx")
    db.session.rollback()
    assert table_counts() == before and computed() == []


def test_a_locked_class_refuses_the_whole_import(app, school):
    """All or nothing also when the entries cannot be written: one student of a published
    class and nothing is imported."""
    publish(school, [school.class_b.id])
    sheet = results_sheet(school, ["省赛", "省级", "2026-10-01", "",
                                   school.other_students[0].student_no, "二等奖"])
    before = table_counts()
    with pytest.raises(Exception) as refused:
        registry.import_sheet(school.admin, sheet, "results.xlsx")
    assert refused.value.status == 409
    db.session.rollback()
    assert table_counts() == before


def test_the_same_file_writes_once_and_known_rows_are_not_written_again(app, school):
    sheet = results_sheet(school)
    registry.import_sheet(school.admin, sheet, "results.xlsx")
    db.session.commit()
    again = registry.import_sheet(school.admin, sheet, "results.xlsx")
    assert again.already
    # another file with one known row and one new
    other = xlsx([RESULTS_HEADER,
                  ["市技能节", "市级", "2026-11-02", "", school.students[1].student_no, "优秀奖"],
                  ["市技能节", "市级", "2026-11-02", "", school.students[3].student_no, "一等奖"]])
    checked = registry.check_upload(school.admin, other, "more.xlsx")
    assert (checked.count("new"), checked.count("same")) == (1, 1)
    registry.import_sheet(school.admin, other, "more.xlsx")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(CompetitionResult.id))) == 4


def test_a_certificates_sheet(app, school):
    sheet = xlsx([["学号", "证书名称", "等级", "发证机构", "发证日期", "证书编号"],
                  [school.students[0].student_no, "电工", "四级", "人社局", "2026-11-05", "A1"],
                  [school.students[1].student_no, "计算机等级", "其他", "", "20261106", ""]])
    checked = registry.preview(school.admin, sheet, "certs.xlsx")
    assert checked.ok and checked.kind == "certificates"
    registry.confirm(school.admin, checked.token)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 2
    # "other" is worth 0 by default: no entry; 四级 counts 8
    assert [(e.student_id, e.points) for e in computed()] == [
        (school.students[0].id, Decimal("8.00"))]


def test_the_import_pages(app, school, act):
    admin = act(school.admin)
    page = admin.post("/admin/registry/import", {
        "registry-file": (__import__("io").BytesIO(results_sheet(school)), "results.xlsx")},
        content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "全国职业院校技能大赛" in html and "/admin/registry/import/" in html
    token = html.split("/admin/registry/import/", 1)[1].split('"', 1)[0]
    assert computed() == []
    done = admin.post(f"/admin/registry/import/{token}")
    assert done.status_code == 302 and len(computed()) == 2

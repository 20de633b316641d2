"""The one spreadsheet pipeline (services/sheets.py): reading limits, staging per kind,
loading back (kind, uploader, scope, age) and sweeping each kind's files only."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from openpyxl import Workbook

from starrating.errors import Conflict, NotFound
from starrating.extensions import db
from starrating.services import club_import, entry_import, roster, sheets

LIMITS = sheets.Limits(max_rows=3, max_unpacked=1024 * 1024)


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def age(kind: str, token: str, seconds: int) -> None:
    past = time.time() - seconds
    for suffix in (".bin", ".json"):
        os.utime(sheets.staged_path(kind, token, suffix), (past, past))


def staged_files(kind: str) -> set[str]:
    return {p.name for p in sheets.kind_dir(kind).iterdir()}


# ---- sweeping ------------------------------------------------------------------------------

def test_sweeping_one_kind_never_deletes_another_kinds_files(app, school):
    tokens = {kind: sheets.stage(kind, school.admin, b"data", f"{kind}.xlsx")
              for kind in sheets.KINDS}
    for kind, token in tokens.items():
        age(kind, token, sheets.TMP_TTL_SECONDS + 60)  # all of them old enough to go
    assert sheets.sweep("entries") == 2
    assert staged_files("entries") == set()
    for kind in ("roster", "clubs", "passwords"):
        assert staged_files(kind) == {f"{tokens[kind]}.bin", f"{tokens[kind]}.json"}
    roster.sweep()  # the roster page's sweep: its uploads and password sheets only
    assert staged_files("roster") == staged_files("passwords") == set()
    assert staged_files("clubs") == {f"{tokens['clubs']}.bin", f"{tokens['clubs']}.json"}


def test_staging_an_entries_upload_sweeps_old_entries_only(app, school):
    old_roster = roster.stage_upload(school.admin, b"roster", "r.csv")
    old_entries = entry_import.stage(school.teacher, school.term, school.class_a.id, b"e", "e.xlsx")
    age("roster", old_roster, sheets.TMP_TTL_SECONDS + 60)
    age("entries", old_entries, sheets.TMP_TTL_SECONDS + 60)
    fresh = entry_import.stage(school.teacher, school.term, school.class_a.id, b"e2", "e.xlsx")
    assert staged_files("entries") == {f"{fresh}.bin", f"{fresh}.json"}
    assert f"{old_roster}.bin" in staged_files("roster")


def test_a_fresh_file_survives_its_kinds_sweep(app, school):
    token = sheets.stage("clubs", school.admin, b"x", "c.csv", term_id=1)
    assert sheets.sweep("clubs") == 0
    assert sheets.load("clubs", school.admin, token, term_id=1) == (b"x", "c.csv")


# ---- loading back --------------------------------------------------------------------------

def test_a_staged_upload_loads_back_only_as_its_kind_for_its_uploader_in_its_scope(app, school):
    token = sheets.stage("clubs", school.admin, b"rows", "c.csv", term_id=school.term.id)
    assert sheets.load("clubs", school.admin, token, term_id=school.term.id) == (b"rows", "c.csv")
    with pytest.raises(NotFound):
        sheets.load("roster", school.admin, token, term_id=school.term.id)  # another kind
    with pytest.raises(NotFound):
        sheets.load("clubs", school.teacher, token, term_id=school.term.id)  # another person
    with pytest.raises(NotFound):
        sheets.load("clubs", school.admin, token, term_id=school.term.id + 1)  # another term
    for bad in ("", "../../etc/passwd", "a" * 65, "token.bin"):
        with pytest.raises(NotFound):
            sheets.load("clubs", school.admin, bad, term_id=school.term.id)


def test_an_expired_upload_is_not_loaded_even_before_a_sweep(app, school):
    token = sheets.stage("roster", school.admin, b"rows", "r.csv")
    age("roster", token, sheets.TMP_TTL_SECONDS + 1)
    with pytest.raises(NotFound) as expired:
        sheets.load("roster", school.admin, token)
    assert str(expired.value.message) == "上传的文件已过期，请重新上传。"


def test_take_hands_a_file_over_once(app, school):
    token = sheets.stage("passwords", school.admin, b"secret", "p.xlsx")
    assert sheets.take("passwords", school.admin, token) == (b"secret", "p.xlsx")
    with pytest.raises(NotFound):
        sheets.take("passwords", school.admin, token)
    assert staged_files("passwords") == set()


def test_an_unknown_kind_is_a_programming_error(app):
    with pytest.raises(ValueError):
        sheets.kind_dir("../evidence")


# ---- reading -------------------------------------------------------------------------------

def test_xlsx_and_csv_read_the_same_rows(app):
    rows = [["学号", "姓名"], [2025000001, "张三"], [None, ""]]
    assert sheets.read_table(xlsx(rows), "a.xlsx", LIMITS) == [
        ["学号", "姓名"], ["2025000001", "张三"], ["", ""]]
    assert sheets.read_table("学号,姓名\n2025000001, 张三 \n".encode("gbk"), "a.CSV", LIMITS) == [
        ["学号", "姓名"], ["2025000001", "张三"]]


@pytest.mark.parametrize("name", ["a.xlsx", "a.csv"])
def test_too_many_rows_are_refused(app, name):
    rows = [["学号"]] + [[str(i)] for i in range(5)]
    data = xlsx(rows) if name.endswith("xlsx") else "\n".join(r[0] for r in rows).encode()
    with pytest.raises(sheets.SheetError) as refused:
        sheets.read_table(data, name, LIMITS)
    assert str(refused.value.reason) == "行数太多（最多 3 行）。"


def test_columns_beyond_the_cap_are_not_read(app):
    wide = [["x"] * (sheets.MAX_COLUMNS + 50)]
    assert len(sheets.read_table(xlsx(wide), "a.xlsx", LIMITS)[0]) == sheets.MAX_COLUMNS
    assert len(sheets.read_table(",".join(wide[0]).encode(), "a.csv", LIMITS)[0]) == \
        sheets.MAX_COLUMNS


def test_formulas_are_never_evaluated(app):
    rows = sheets.read_table(xlsx([["学号"], ["=1+1"], ['=HYPERLINK("http://x","y")']]),
                             "a.xlsx", LIMITS)
    assert rows == [["学号"], [""], [""]]  # no cached value: nothing, never the result


def test_an_absurd_declared_width_does_not_pad_rows_to_it(app):
    data = xlsx([["学号", "姓名"], ["1", "a"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:B2" />' in body
                body = body.replace(b'<dimension ref="A1:B2" />', b'<dimension ref="A1:XFD2" />')
            dst.writestr(item, body)
    rows = sheets.read_xlsx(out.getvalue(), LIMITS)
    assert [len(r) for r in rows] == [sheets.MAX_COLUMNS] * 2
    assert rows[1][:2] == ("1", "a")


@pytest.mark.parametrize("data,reason", [
    (b"x" * (sheets.MAX_UPLOAD_BYTES + 1), "文件太大（最多 5 MB）。"),
    (b"PK\x03\x04broken", "这不是有效的 .xlsx 文件。"),
    (b"\xd0\xcf\x11\xe0old xls", "这不是有效的 .xlsx 文件。"),
])
def test_unreadable_workbooks_are_refused_with_the_reason_beside_the_field(app, data, reason):
    with pytest.raises(sheets.SheetError) as refused:
        sheets.read_table(data, "a.xlsx", LIMITS)
    assert str(refused.value.reason) == reason
    assert refused.value.errors == {"file": [refused.value.reason]}


def test_a_zip_bomb_and_a_zip_of_many_members_are_refused_before_unpacking(app):
    bomb, members = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    with zipfile.ZipFile(members, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for i in range(sheets.MAX_ZIP_MEMBERS + 1):
            z.writestr(f"x/{i}", "")
    for data in (bomb.getvalue(), members.getvalue()):
        with pytest.raises(sheets.SheetError) as refused:
            sheets.read_xlsx(data, LIMITS)
        assert str(refused.value.reason) ==  "该工作簿解压后大小异常，已拒绝。"


def test_each_import_keeps_its_own_limits(app):
    assert (entry_import.LIMITS.max_rows, roster.LIMITS.max_rows, club_import.LIMITS.max_rows) \
        == (5000, 20000, 20000)
    assert entry_import.LIMITS.sheet == "记录"


def test_one_file_is_claimed_once_per_scope_for_every_kind(school):
    """Two confirms of the same file (entries, roster or clubs) meet the same unique row:
    the second is a Conflict with a message, not a database error."""
    sha = "ab" * 32
    for kind in ("entries", "roster", "clubs"):
        sheets.claim_file(school.admin, kind, "scope-1", sha, "a.xlsx", 3)
        db.session.commit()
        with pytest.raises(Conflict) as refused:
            sheets.claim_file(school.admin, kind, "scope-1", sha, "a.xlsx", 3)
        assert "没有重复写入" in str(refused.value)
        db.session.rollback()
        sheets.claim_file(school.admin, kind, "scope-2", sha, "a.xlsx", 3)  # another scope
        db.session.commit()

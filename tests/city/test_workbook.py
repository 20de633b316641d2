"""The city workbook: a city sheet (a row per school) and a summary sheet per school whose
values equal the stored results; queued as an export job; the city office's only."""

from __future__ import annotations

import openpyxl
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import ClassState, ExportJob, SchoolClass, StarResult
from starrating.services.city_workbook import CITY_SHEET, city_headers, write_city_workbook
from tests.city.test_dashboard import city_user, school_with_results, stored


def rows_of(sheet):
    return list(sheet.iter_rows(values_only=True))


def test_city_sheet_has_a_row_per_school_equal_to_the_stored_results(app, make, tmp_path):
    a = school_with_results(make)
    b = school_with_results(make, entries=(("moral.service", "-5"),), second_major=False)
    city = city_user(make)
    db.session.commit()
    out = tmp_path / "city.xlsx"
    assert write_city_workbook(city, str(out)) == 2
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == [CITY_SHEET, a.school.name, f"{b.school.name[:29]}~2"]
    rows = rows_of(book[CITY_SHEET])
    header = list(rows[1])
    assert header[:len(city_headers(5))] == city_headers(5)
    body = {row[0]: dict(zip(header, row, strict=False)) for row in rows[2:] if row[0]}
    for setup in (a, b):
        row = body[setup.school.code]
        results = stored(setup.term.id)
        assert row["已出星级学生"] == sum(results.values())
        assert {level: row[f"{level}星"] for level in range(6) if row[f"{level}星"]} == results
        assert row["当前学期"] == setup.term.name
        assert row["在读学生"] == len(setup.students) + len(setup.other_students) + (
            len(getattr(setup, "extra_students", [])))
        classes = 3 if hasattr(setup, "extra_students") else 2
        assert row["参评班级"] == classes
        assert (row["班级录入中"], row["班级已提交"], row["班级公示中"], row["班级已确认"]) == (
            classes - 1, 1, 0, 0)
    total = next(r for r in rows[2:] if r[1] == "合计")
    assert total[header.index("已出星级学生")] == db.session.scalar(
        sa.select(sa.func.count()).select_from(StarResult))


def test_school_sheet_holds_its_stars_by_grade_and_by_major(app, make, tmp_path):
    a = school_with_results(make)
    city = city_user(make)
    db.session.commit()
    out = tmp_path / "city.xlsx"
    write_city_workbook(city, str(out))
    rows = rows_of(openpyxl.load_workbook(out, read_only=True)[a.school.name])
    assert rows[0][0].startswith(f"{a.school.name} {a.term.name}")
    sections, current = {}, None
    for row in rows[1:]:
        if row[0] in ("年级", "专业", "学期"):
            current = row[0]
            sections[current] = {}
        elif current in ("年级", "专业") and row[0]:
            sections[current][str(row[0])] = list(row[1:8])
    for key, section in ((SchoolClass.grade, "年级"),):
        expected = {}
        for grade, stars, n in db.session.execute(
                sa.select(key, StarResult.overall_stars, sa.func.count())
                .join(SchoolClass, SchoolClass.id == StarResult.class_id)
                .where(StarResult.term_id == a.term.id)
                .group_by(key, StarResult.overall_stars)):
            counts = expected.setdefault(str(grade), [0] * 6)
            counts[stars] += n
        assert {g: [sum(c)] + c[::-1] for g, c in expected.items()} == sections[section]
    assert set(sections["专业"]) == {"机电工程系 · 机电一体化", "信息工程系 · 软件技术"}
    assert sum(r[0] for r in sections["专业"].values()) == sum(stored(a.term.id).values())


def test_the_city_office_starts_the_workbook_as_a_job_and_downloads_it(app, make, act):
    school_with_results(make)
    city = city_user(make)
    db.session.commit()
    actor = act(city)
    answer = actor.post("/city/workbook")
    assert answer.status_code == 302
    job = db.session.scalars(sa.select(ExportJob)).one()
    assert job.kind == "city_xlsx" and job.school_id is None
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status == "done"  # the queue runs at once in tests
    page = actor.get("/city/dashboard").get_data(as_text=True)
    assert f"/city/workbook/{job.id}/download" in page
    download = actor.get(f"/city/workbook/{job.id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download.headers["Content-Disposition"]


def test_no_one_of_a_school_gets_the_city_workbook(app, make, act, tmp_path):
    s = school_with_results(make)
    city = city_user(make)
    db.session.commit()
    act(city).post("/city/workbook")
    job = db.session.scalars(sa.select(ExportJob)).one()
    for user in (s.admin, s.teacher, s.student_user):
        actor = act(user)
        assert actor.post("/city/workbook").status_code == 403
        assert actor.get(f"/city/workbook/{job.id}/download").status_code == 403
        # nor through the school's own download route
        assert actor.get(f"/admin/reports/jobs/{job.id}/download").status_code in (403, 404)
        assert actor.get(f"/admin/reports/jobs/{job.id}.json").status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 1


def test_a_school_jobs_are_not_downloadable_through_the_city_route(app, make, act):
    s = school_with_results(make)
    city = city_user(make)
    db.session.commit()
    act(s.admin).post("/admin/reports/jobs", {"kind": "xlsx", "term_id": s.term.id,
                                              "scope": "school", "lang": "zh"})
    job = db.session.scalars(sa.select(ExportJob)).one()
    assert job.kind == "xlsx"
    assert act(city).get(f"/city/workbook/{job.id}/download").status_code in (403, 404)


def test_progress_states_in_the_workbook_follow_the_dashboard(app, make, tmp_path):
    s = school_with_results(make)
    from starrating.models import ClassTermStatus
    row = db.session.scalar(sa.select(ClassTermStatus).where(
        ClassTermStatus.class_id == s.class_b.id))
    row.state = ClassState.FINAL
    city = city_user(make)
    db.session.commit()
    out = tmp_path / "city.xlsx"
    write_city_workbook(city, str(out))
    rows = rows_of(openpyxl.load_workbook(out, read_only=True)[CITY_SHEET])
    header = list(rows[1])
    mine = next(r for r in rows if r[0] == s.school.code)
    assert mine[header.index("班级已确认")] == 1 and mine[header.index("班级已提交")] == 0

"""Print (issue 12): the merged class PDF, what a card names (clubs and roles, the rule-set
version, 暂定 until final), the workbook's marks, per-class password slips and resets."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from starrating.errors import NotFound, ValidationFailed
from starrating.extensions import db
from starrating.models import (
    AuditLog,
    ClassState,
    ClassTermStatus,
    Club,
    ClubMembership,
    ExportJob,
    LoginSession,
    Role,
    RuleSet,
    Student,
    User,
)
from starrating.services import roster
from starrating.services.reports import jobs, pdf
from starrating.services.reports.xlsx import SUMMARY_SHEET, write_workbook
from tests.reports.conftest import RARE_NAME, store_results


def page_texts(data: bytes, tmp_path) -> list[str]:
    """The text of each page of a PDF (pdftotext, drawing order)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return [subprocess.run(["pdftotext", "-raw", "-f", str(n), "-l", str(n), str(path), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, pages + 1)]


def finalize(term, school_class) -> None:
    row = db.session.scalar(sa.select(ClassTermStatus).where(
        ClassTermStatus.term_id == term.id, ClassTermStatus.class_id == school_class.id))
    if row is None:
        row = ClassTermStatus(term_id=term.id, class_id=school_class.id)
        db.session.add(row)
    row.state = ClassState.FINAL
    db.session.commit()


def rule_label(term) -> str:
    name = db.session.scalar(sa.select(RuleSet.name).where(
        RuleSet.id == term.rule_version.rule_set_id))
    return f"{name} 第{term.rule_version.version}版"


# ---- the merged class PDF ----------------------------------------------------------------

def test_merged_class_pdf_has_one_page_per_student_in_student_number_order(demo, tmp_path):
    out = io.BytesIO()
    count = pdf.write_cards_pdf(demo.teacher, demo.term, out, demo.class_a)
    students = db.session.scalars(sa.select(Student).where(
        Student.class_id == demo.class_a.id).order_by(Student.student_no)).all()
    texts = page_texts(out.getvalue(), tmp_path)
    assert count == len(texts) == len(students) == 6
    for text, student in zip(texts, students, strict=True):
        assert f"姓名 {student.name} 学号 {student.student_no}" in text
        others = [s for s in students if s.id != student.id]
        assert not any(s.student_no in text for s in others)


def test_merged_pdf_of_a_selection_holds_only_those_students(demo, tmp_path):
    chosen = [demo.students[3], demo.rare]
    out = io.BytesIO()
    assert pdf.write_cards_pdf(demo.admin, demo.term, out, demo.class_a,
                               student_ids=[s.id for s in chosen]) == 2
    texts = page_texts(out.getvalue(), tmp_path)
    assert [re.search(r"学号 (\S+)", t).group(1) for t in texts] == sorted(
        s.student_no for s in chosen)


def test_merged_pdf_is_an_export_kind_for_a_class_only(demo, tmp_path, app):
    app.config["STARRATING_FILES_DIR"] = str(tmp_path)
    with pytest.raises(ValidationFailed):
        jobs.start_export(demo.admin, "cards_pdf", demo.term)  # the whole school: no
    job = jobs.start_export(demo.teacher, "cards_pdf", demo.term, demo.class_a)
    seen = []
    name = jobs.execute(job, lambda done, total: seen.append((done, total)))
    assert name.endswith(".pdf") and seen[-1] == (6, 6)
    job.status, job.file_name = "done", name
    assert jobs.download_name(job).endswith("24机电1班-成长报告单.pdf")
    assert len(page_texts(jobs.job_file(job).read_bytes(), tmp_path)) == 6
    with pytest.raises(Exception) as refused:
        jobs.start_export(demo.teacher, "cards_pdf", demo.term, demo.class_b)
    assert refused.value.status == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 1


def test_zip_splits_the_class_render_into_one_single_page_card_each(demo, tmp_path):
    buffer = io.BytesIO()
    pdf.write_cards_zip(demo.teacher, demo.term, buffer, demo.class_a)
    archive = zipfile.ZipFile(buffer)
    for name in archive.namelist():
        texts = page_texts(archive.read(name), tmp_path)
        number = name.split("-")[0]
        assert len(texts) == 1 and f"学号 {number}" in texts[0]


def test_rendering_a_class_takes_a_fixed_number_of_statements(demo, make, count_queries):
    with count_queries() as few:
        pdf.write_cards_pdf(demo.admin, demo.term, io.BytesIO(), demo.class_c)
    club = Club(school_id=demo.school.id, name="篮球社")
    db.session.add(club)
    for _ in range(6):
        s = make.student(demo.class_c)
        make.entry(demo.term, s, "moral.service", "2")
        db.session.flush()
        db.session.add(ClubMembership(club_id=club.id, student_id=s.id, term_id=demo.term.id,
                                      role="队员", joined_on=date(2026, 9, 10)))
    db.session.execute(sa.delete(pdf.StarResult))
    store_results(demo.term)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as more:
        cards = pdf.write_cards_pdf(demo.admin, demo.term, io.BytesIO(), demo.class_c)
    assert cards == 11 and more.count == few.count


# ---- what a card names --------------------------------------------------------------------

def test_card_names_clubs_with_roles_and_those_left(demo, tmp_path):
    chess = Club(school_id=demo.school.id, name="象棋社")
    robots = Club(school_id=demo.school.id, name="机器人社")
    db.session.add_all([chess, robots])
    db.session.flush()
    db.session.add_all([
        ClubMembership(club_id=robots.id, student_id=demo.rare.id, term_id=demo.term.id,
                       role="社长", joined_on=date(2026, 9, 5)),
        ClubMembership(club_id=chess.id, student_id=demo.rare.id, term_id=demo.term.id,
                       role="", joined_on=date(2026, 9, 5), left_on=date(2026, 11, 2))])
    db.session.commit()
    text = page_texts(pdf.student_card(demo.admin, demo.term, demo.rare), tmp_path)[0]
    assert "社团 机器人社（社长）、象棋社（成员，11-02 已退出）" in text
    other = page_texts(pdf.student_card(demo.admin, demo.term, demo.students[0]), tmp_path)[0]
    assert "社团 无" in other


def test_card_shows_rule_version_and_provisional_until_final(demo, tmp_path):
    label = rule_label(demo.term)
    before = page_texts(pdf.student_card(demo.admin, demo.term, demo.rare), tmp_path)[0]
    assert f"评价细则：{label}" in before
    assert "暂定（未确认）" in before  # class A is published, not final
    finalize(demo.term, demo.class_a)
    after = page_texts(pdf.student_card(demo.admin, demo.term, demo.rare), tmp_path)[0]
    assert f"评价细则：{label}" in after
    assert "暂定" not in after and "未确认" not in after
    english = page_texts(pdf.student_card(demo.admin, demo.term, demo.students[0], "en"),
                         tmp_path)[0]
    assert "PROVISIONAL" not in english and "version" in english


def test_a_long_record_list_still_fits_one_page(demo, make, tmp_path):
    rules = pdf.term_rules(demo.term)
    for key in rules.indicator_keys():
        make.entry(demo.term, demo.rare, key, "1", author=demo.teacher)
    db.session.commit()
    texts = page_texts(pdf.student_card(demo.admin, demo.term, demo.rare), tmp_path)
    assert len(texts) == 1
    if len(rules.indicator_keys()) > pdf.INDICATOR_LINES:
        assert re.search(r"其他 \d+ 项", texts[0])


# ---- the workbook ---------------------------------------------------------------------------

def titles(path) -> dict[str, str]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: next(ws.iter_rows(values_only=True))[0] for ws in book.worksheets}


def test_workbook_sheets_show_rule_version_and_provisional(demo, tmp_path):
    label = rule_label(demo.term)
    out = tmp_path / "school.xlsx"
    write_workbook(demo.admin, demo.term, str(out))
    shown = titles(out)
    assert set(shown) == {SUMMARY_SHEET, "24机电1班", "24机电2班", "24数控3班"}
    for sheet, title in shown.items():
        assert f"评价细则：{label}" in title and "暂定（未确认）" in title, sheet
    # one class final: the school's workbook is still provisional, that class's is not
    finalize(demo.term, demo.class_a)
    write_workbook(demo.admin, demo.term, str(out))
    assert all("暂定（未确认）" in t for t in titles(out).values())
    write_workbook(demo.admin, demo.term, str(out), demo.class_a)
    class_titles = titles(out)
    assert all(f"评价细则：{label}" in t and "暂定" not in t for t in class_titles.values())
    for c in (demo.class_b, demo.class_c):
        finalize(demo.term, c)
    write_workbook(demo.admin, demo.term, str(out))
    assert all("暂定" not in t for t in titles(out).values())


# ---- password slips ------------------------------------------------------------------------

def other_school_admin(make):
    other = make.school()
    return make.user(Role.ADMIN, other.id, username="admin_other")


def test_reset_by_another_schools_admin_is_refused(make, school):
    stranger = other_school_admin(make)
    db.session.commit()
    hashes = dict(db.session.execute(sa.select(User.id, User.password_hash)).all())
    with pytest.raises(NotFound):
        roster.reset_class_passwords(stranger, school.class_a.id, roster.RESET_ALL)
    with pytest.raises(Exception) as teacher:
        roster.reset_class_passwords(school.teacher, school.class_a.id, roster.RESET_ALL)
    assert teacher.value.status == 403
    assert dict(db.session.execute(sa.select(User.id, User.password_hash)).all()) == hashes


def test_reset_of_those_not_logged_in_gives_the_class_slip_once(make, school, tmp_path,
                                                               app):
    app.config["STARRATING_FILES_DIR"] = str(tmp_path)
    users = {u.student_id: u for u in db.session.scalars(sa.select(User).where(
        User.student_id.in_([s.id for s in school.students])))}
    for u in users.values():
        u.must_change_password = True
    logged_in = users[school.students[0].id]
    logged_in.must_change_password = False  # has logged in and chosen a password
    kept_hash = logged_in.password_hash
    db.session.add_all([LoginSession(token="t-" + str(u.id), user_id=u.id)
                        for u in users.values()])
    db.session.commit()

    reset = roster.reset_class_passwords(school.admin, school.class_a.id,
                                         roster.RESET_NOT_LOGGED_IN, "https://sr.example/login")
    db.session.commit()
    assert reset.count == 4
    assert logged_in.password_hash == kept_hash
    # the reset accounts are signed out everywhere; the one who logged in keeps theirs
    assert set(db.session.scalars(sa.select(LoginSession.user_id))) == {logged_in.id}
    data, name = roster.take_password_sheet(school.admin, reset.token)
    assert name == "24机电1班-初始密码.pdf"
    text = "".join(page_texts(data, tmp_path))
    others = [s for s in school.students[1:]]
    for s in others:
        password = re.search(rf"{s.student_no}\n姓名 {s.name}\n"
                             r"初始密码\s*(\w+)", text).group(1)
        assert check_password_hash(users[s.id].password_hash, password)
    assert school.students[0].student_no not in text
    assert not any(s.student_no in text for s in school.other_students)
    assert "https://sr.example/login" in text
    with pytest.raises(NotFound):
        roster.take_password_sheet(school.admin, reset.token)  # once
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "reset_passwords"))
    assert row.after == {"who": "not_logged_in", "accounts": 4}
    assert not any(p in str(row.after) for p in re.findall(r"初始密码\s*(\w+)", text))


def test_reset_form_posts_and_downloads_the_slip(act, school, tmp_path):
    admin = act(school.admin)
    page = admin.get(f"/admin/classes/{school.class_a.id}").get_data(as_text=True)
    assert f'/admin/classes/{school.class_a.id}/passwords' in page
    done = admin.post(f"/admin/classes/{school.class_a.id}/passwords", {"who": "all"})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    link = re.search(r'href="(/admin/students/import/passwords/\w+)"',
                     done.get_data(as_text=True)).group(1)
    slip = admin.get(link)
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    assert admin.get(link).status_code == 404
    # no choice made: nothing reset
    hashes = dict(db.session.execute(sa.select(User.id, User.password_hash)).all())
    refused = admin.post(f"/admin/classes/{school.class_a.id}/passwords", {"who": ""})
    assert refused.status_code == 302
    assert dict(db.session.execute(sa.select(User.id, User.password_hash)).all()) == hashes


def test_roster_slips_name_only_each_class_students(make, school, tmp_path, app):
    app.config["STARRATING_FILES_DIR"] = str(tmp_path)
    passwords = [("2025000001", "甲", "24机电1班", "abcdef2345"),
                 ("2025000002", RARE_NAME, "24机电2班", "ghjkmn6789"),
                 ("2025000003", "丙", "24机电1班", "pqrstu2345")]
    token = roster.write_password_sheet(school.admin, passwords, "http://x/login")
    data, name = roster.take_password_sheet(school.admin, token)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["24机电1班-初始密码.pdf", "24机电2班-初始密码.pdf"]
    one = "".join(page_texts(archive.read("24机电1班-初始密码.pdf"), tmp_path))
    two = "".join(page_texts(archive.read("24机电2班-初始密码.pdf"), tmp_path))
    assert "abcdef2345" in one and "pqrstu2345" in one and "2025000002" not in one
    assert "ghjkmn6789" in two and RARE_NAME in two and "2025000001" not in two


def test_command_writes_a_merged_pdf_of_chosen_students(runner, demo, tmp_path):
    out = tmp_path / "chosen.pdf"
    chosen = sorted([demo.rare.student_no, demo.students[1].student_no])
    result = runner.invoke(args=["report", "pdf", "--term", demo.term.name, "--class",
                                 "24机电1班", "--merged", "--only", ",".join(chosen),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    texts = page_texts(out.read_bytes(), tmp_path)
    assert [re.search(r"学号 (\S+)", t).group(1) for t in texts] == chosen
    refused = runner.invoke(args=["report", "pdf", "--term", demo.term.name, "--class",
                                  "24机电1班", "--merged", "--only", "nobody",
                                  "--out", str(out)])
    assert refused.exit_code != 0 and "nobody" in refused.output


def test_reports_form_starts_a_merged_pdf_of_chosen_students(act, demo, app, tmp_path):
    app.config["STARRATING_FILES_DIR"] = str(tmp_path)
    teacher = act(demo.teacher)
    form = {"term_id": demo.term.id, "kind": "cards_pdf", "scope": demo.class_a.id,
            "lang": "zh", "students": f"{demo.rare.student_no}，{demo.students[0].student_no}"}
    done = teacher.post("/admin/reports/jobs", form)
    assert done.status_code == 302
    job = db.session.scalar(sa.select(ExportJob))
    assert job.kind == "cards_pdf" and job.params["student_nos"] == [
        demo.rare.student_no, demo.students[0].student_no]
    texts = page_texts(jobs.exports_dir().joinpath(jobs.execute(job, lambda *a: None))
                       .read_bytes(), tmp_path)
    assert sorted(re.search(r"学号 (\S+)", t).group(1) for t in texts) == sorted(
        [demo.rare.student_no, demo.students[0].student_no])
    # a student of another class, or the whole school: refused with a message, no job
    for bad in ({"students": demo.other_students[0].student_no}, {"scope": "school"}):
        refused = teacher.post("/admin/reports/jobs", {**form, **bad})
        assert refused.status_code == 302
        assert refused.headers["Location"].endswith(f"/admin/reports?term={demo.term.id}")
        page = teacher.get(refused.headers["Location"]).get_data(as_text=True)
        assert "flash-error" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 1

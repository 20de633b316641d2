"""Hostile input, property-based: every form, the uploads and the imports.

Field names come from the pages themselves: every `<form method="post">` found on the GET
pages of the authorization matrix (tests/security/test_matrix.py), keyed by its action. Each
example keeps a field's own value (what the page offered) or replaces it with something
hostile: huge or empty strings, control characters, emoji, right-to-left text, SQL and
HTML/JS payloads, negative, NaN and huge numbers, impossible dates. Every response must be
below 500; a refused one (4xx) must leave every table exactly as it was.
"""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starrating.extensions import db
from starrating.models import Student
from tests.security.helpers import TINY_PNG, WriteWatch, table_dump
from tests.security.test_matrix import ACTORS, build_context, routes, row_for, users_of

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow],
                derandomize=True)

PAYLOADS = [
    "", " ", "\x00", "\x00abc", "a\x1b[31mred", "\r\n\t", "\u202eevil\u202c", "مرحبا بالعالم",
    "שלום", "😀🎉👩‍👩‍👧‍👦", "\ud7ff", "𠀀𪚥㛃", "' OR '1'='1", "1; DROP TABLE entry; --",
    "\" OR 1=1 --", "1' UNION SELECT password_hash FROM \"user\" --", "%", "_", "\\",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "{{7*7}}", "{% raw %}", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(1)", "-1", "0", "-0",
    "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e-400", "9" * 400,
    "99999999999999999999", "-99999999999999999999", "0.001", "1,5", "１２", "٣", "2.555",
    "9999-12-31", "0000-00-00", "2026-02-30", "1900-01-01", "2026/10/01", "-1-01-01",
    "null", "None", "true", "[]", "{}", "../../etc/passwd", "A" * 5000, "中" * 3000,
]
HUGE = "x" * 300_000


def hostile_text():
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8),
        st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.just(HUGE),
    )


# ---- the forms, read from the pages --------------------------------------------------------------

class FormParser(HTMLParser):
    """Collects post forms: action → {field name: first value offered}."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {}
            self.forms.append((a.get("action") or "", self._form))
        elif self._form is None:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            if (a.get("type") or "") in ("submit", "button", "file"):
                return
            self._form.setdefault(a["name"], a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.setdefault(a["name"], "")
        elif tag == "option" and self._select and not self._form.get(self._select):
            self._form[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(html: str, page_path: str) -> list[tuple[str, dict]]:
    parser = FormParser()
    parser.feed(html)
    return [(action.split("?")[0] or page_path, fields) for action, fields in parser.forms]


STAFF = ("teacher", "admin", "student")
# Posts that end the actor's own session or delete the things the other examples need;
# they have no fields but the CSRF token and are covered by the matrix.
SKIP_POSTS = {"auth.logout", "admin.teacher_reset", "admin.teacher_active",
              "admin.class_delete", "admin.department_delete", "admin.major_delete",
              "admin.club_delete", "admin.membership_delete", "teacher.delete_entry",
              "teacher.import_confirm", "admin.roster_confirm", "main.set_language"}


def post_targets():
    """(endpoint, rule, the first allowed actor among teacher/admin/student)."""
    targets = []
    for endpoint, rule, methods in routes():
        r = row_for(endpoint, rule)
        if "POST" not in methods or endpoint in SKIP_POSTS or r is None:
            continue
        for who in STAFF:
            if r["POST"][ACTORS.index(who)] == "A":
                targets.append(pytest.param(endpoint, rule, who, id=f"{who} {rule}"))
                break
    return targets


_DISCOVERED: dict = {}


def discover(c, act) -> dict:
    """Every post form on every page the three roles may GET: (actor, action) → fields.

    Read once per process: every test's fresh database numbers its objects the same way."""
    if _DISCOVERED:
        return _DISCOVERED
    found = _DISCOVERED
    users = users_of(c)
    for endpoint, rule, methods in routes():
        r = row_for(endpoint, rule)
        if r is None or "GET" not in methods or endpoint in ("teacher.import_template",):
            continue
        for who in STAFF:
            if r["GET"][ACTORS.index(who)] != "A":
                continue
            url = r["url"](c, who)
            response = act(users[who]).get(url)
            if "text/html" not in response.content_type:
                continue
            for action, fields in forms_on(response.get_data(as_text=True), url.split("?")[0]):
                found.setdefault((who, action), {}).update(fields)
    return found


def check(response, before, what, dump=None):
    """The refused request wrote nothing; returns the dump it compared (the database as the
    next request finds it), or None when the request was allowed (it may have written).
    `dump`: how to dump the tables (default table_dump; a WriteWatch's skips the dump
    when no write was sent)."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if 400 <= response.status_code < 500:
        after = (dump or table_dump)()
        changed = [t for t in after if after[t] != before[t]]
        assert not changed, f"{what}: refused with {response.status_code} but wrote {changed}"
        return after
    return None


@pytest.mark.parametrize("endpoint,rule,who", post_targets())
def test_hostile_form_values(app, make, act, endpoint, rule, who):
    c = build_context(make, publish=False)
    forms = discover(c, act)
    r = row_for(endpoint, rule)
    url = r["url"](c, who)
    fields = {**r["data"](c), **forms.get((who, url), {})}
    fields.pop("csrf_token", None)
    actor = act(users_of(c)[who])
    names = sorted(fields) or ["name"]

    with WriteWatch() as watch:  # the tables are dumped again only after a write
        @settings(max_examples=12, **SETTINGS)  # × ~100 forms: ~1,200 hostile posts
        @given(st.fixed_dictionaries({
            name: st.one_of(st.just(fields.get(name, "")), hostile_text()) for name in names}))
        def run(values):
            before = watch.dump()
            check(actor.post(url, values), before, f"{who} POST {url} {values!r:.300}",
                  watch.dump)

        run()


# ---- the query strings of GET pages ----------------------------------------------------------------

GET_PARAMS = {
    "/teacher/student/{s}": ("dimension", "indicator", "date_from", "date_to"),
    "/admin/audit": ("actor", "action", "object_type", "student", "date_from", "date_to"),
    "/admin/students": ("class_id", "q"),
    "/admin/reports/card": ("term", "student_no", "lang"),
    "/teacher/entry/new": ("class", "student"),
    "/student/": ("term",),
    "/student/appeals": ("entry", "term"),
    "/admin/what-if": ("version", "term"),
    "/admin/dashboard": ("term",),
}


@settings(max_examples=150, **SETTINGS)
@given(path=st.sampled_from(sorted(GET_PARAMS)), data=st.data())
def test_hostile_query_strings(app, school, act, path, data):
    s = school.students[0].id
    url = path.format(s=s)
    who = "student" if url.startswith("/student") else (
        "admin" if url.startswith("/admin") else "teacher")
    users = {"student": school.student_user, "admin": school.admin, "teacher": school.teacher}
    params = {name: data.draw(hostile_text().filter(lambda v: len(v) < 3000), label=name)
              for name in GET_PARAMS[path]}
    response = act(users[who]).get(url, query_string=params)
    assert response.status_code < 500, (url, params, response.status_code)


# ---- content types and bodies that are not forms ----------------------------------------------------

BODIES = [
    ("application/json", b'{"points": "NaN", "note": "<script>"}'),
    ("application/json", b"[" * 10000),
    ("text/plain", b"points=1&note=x"),
    ("application/xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
    ("multipart/form-data; boundary=zzz", b"--zzz\r\nContent-Disposition: form-data\r\n\r\n"),
    ("multipart/form-data", b"no boundary"),
    ("application/x-www-form-urlencoded", b"%zz=%G0&&&=&" + b"a=" * 2000),
    ("application/x-www-form-urlencoded; charset=utf-7", b"note=+ADw-script+AD4-"),
]


def test_wrong_content_types_never_break_a_post(app, make, act):
    c = build_context(make, publish=False)
    users = users_of(c)
    count = 0
    with WriteWatch() as watch:  # the tables are dumped again only after a write
        for endpoint, rule, methods in routes():
            r = row_for(endpoint, rule)
            if "POST" not in methods or endpoint in SKIP_POSTS:
                continue
            who = next((w for w in STAFF if r["POST"][ACTORS.index(w)] == "A"), "admin")
            actor = act(users[who])
            url = r["url"](c, who)
            for content_type, body in BODIES:
                before = watch.dump()
                response = actor.client.post(url, data=body, content_type=content_type)
                check(response, before, f"{who} POST {url} as {content_type}", watch.dump)
                count += 1
    assert count > 200
    assert watch.dumps < count  # most refusals sent no write: nothing to dump again


# ---- uploads: evidence, appeals, roster, entries and club imports -------------------------------------

def xlsx_bytes(rows, formulas=False) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for values in rows:
        book.active.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A 'workbook' whose one sheet unpacks to 200 MB of spaces (about 200 KB zipped)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(200):
                f.write(chunk)
    return out.getvalue()


def many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for i in range(3000):
            z.writestr(f"x/{i}", "")
    return out.getvalue()


FIXED_FILES = {
    "empty": b"",
    "png": TINY_PNG,
    "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "html as png": b"<html><script>alert(1)</script></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "pdf polyglot": b"%PDF-<html><script>alert(1)</script>",
    "truncated zip": b"PK\x03\x04" + b"\x00" * 30,
    "not zip": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,  # an old .xls
    "bomb": None,  # built once, lazily
    "members": None,
    "truncated xlsx": None,
    "formula xlsx": None,
}


@pytest.fixture(scope="module")
def files():
    made = dict(FIXED_FILES)
    made["bomb"] = zip_bomb()
    made["members"] = many_members()
    good = xlsx_bytes([["学号", "姓名", "性别", "班级", "状态"]] + [[f"2099{i:06d}", "新生", "男",
                                                                 "24机电1班", "在读"]
                                                                for i in range(5)])
    made["truncated xlsx"] = good[: len(good) // 2]
    made["formula xlsx"] = xlsx_bytes([["学号", "姓名", "指标", "分数"],
                                       ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "=A1", "=0/0"],
                                       ["<script>", "\u202e", "NaN", "1e308"]])
    return made


UPLOADS = {
    # (actor, URL builder, file field, extra fields builder)
    "evidence": ("teacher", lambda c: "/teacher/entry/new", "evidence",
                 lambda c: {"students": str(c.students[1].id), "indicator": "moral.service",
                            "points": "1", "occurred_on": "2026-10-02", "note": "x"}),
    "evidence on edit": ("teacher", lambda c: f"/teacher/entry/{c.entry.id}/edit", "evidence",
                         lambda c: {"indicator": "moral.service", "points": "2",
                                    "occurred_on": "2026-10-01",
                                    "version": str(c.entry.version)}),
    "appeal": ("student", lambda c: "/student/appeals", "evidence",
               lambda c: {"entry_id": str(c.entry.id), "text": "记错了"}),
    "roster": ("admin", lambda c: "/admin/students/import", "file", lambda c: {}),
    "entries": ("teacher", lambda c: f"/teacher/class/{c.class_a.id}/import", "file",
                lambda c: {}),
    "clubs": ("admin", lambda c: f"/admin/clubs/import?term={c.term.id}", "file",
              lambda c: {}),
}


def file_strategy(files):
    return st.one_of(
        st.sampled_from(sorted(files)).map(lambda k: files[k]),
        st.binary(max_size=2000),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=200).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
        st.binary(max_size=200).map(lambda b: b"%PDF-" + b),
    )


NAMES = st.one_of(st.sampled_from(["a.xlsx", "a.csv", "a.png", "a.pdf", "a.jpg", "a.xls",
                                   "../../x.xlsx", "<script>.xlsx", "a.xlsx\x00.png", "",
                                   "名单.xlsx", "\u202egnp.exe", "a" * 500 + ".xlsx"]),
                  st.text(max_size=30))
CONTENT_TYPES = st.sampled_from(["application/octet-stream", "image/png", "application/pdf",
                                 "text/html", "application/vnd.openxmlformats-officedocument"
                                 ".spreadsheetml.sheet", "application/x-msdownload"])


@pytest.mark.parametrize("kind", sorted(UPLOADS))
def test_hostile_uploads(app, make, act, files, kind):
    c = build_context(make, publish=kind == "appeal")  # appeals need the notice period
    who, url_of, field, extra = UPLOADS[kind]
    actor = act(users_of(c)[who])
    url = url_of(c)

    @settings(max_examples=40, **SETTINGS)
    @given(data=file_strategy(files), name=NAMES, content_type=CONTENT_TYPES)
    def run(data, name, content_type):
        db.session.expire_all()
        form = {**extra(c), field: (io.BytesIO(data), name, content_type)}
        before = table_dump()
        response = actor.post(url, form, content_type="multipart/form-data")
        check(response, before, f"{kind}: {name!r} {data[:40]!r}")
        if response.status_code >= 400:
            assert response.get_data(as_text=True).strip(), "a refusal without a message"

    run()


def test_oversized_upload_is_refused_with_413_and_writes_nothing(app, make, act):
    c = build_context(make, publish=False)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (17 * 1024 * 1024)
    before = table_dump()
    for who, url_of, field, extra in UPLOADS.values():
        actor = act(users_of(c)[who])
        response = actor.post(url_of(c), {**extra(c), field: (io.BytesIO(big), "big.png")},
                              content_type="multipart/form-data")
        assert response.status_code == 413, (url_of(c), response.status_code)
        assert "上传的文件太大。" in response.get_data(as_text=True), url_of(c)
    assert table_dump() == before


def test_evidence_too_large_for_its_limit_is_refused_with_a_message(app, make, act):
    c = build_context(make, publish=False)
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * (9 * 1024 * 1024)  # over 8 MB, under 16 MB
    before = table_dump()
    who, url_of, field, extra = UPLOADS["evidence"]
    response = act(c.teacher).post(url_of(c), {**extra(c), field: (io.BytesIO(data), "a.png")},
                                   content_type="multipart/form-data")
    assert response.status_code == 400
    assert table_dump() == before


# ---- a name with <script> is shown escaped everywhere --------------------------------------------

XSS_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_in_a_name_is_escaped_on_every_page(app, make, act):
    c = build_context(make, publish=True)
    student = db.session.get(Student, c.students[0].id)
    student.name = XSS_NAME
    c.class_a.name = "<b>班</b>" + XSS_NAME[:20]
    c.teacher.display_name = XSS_NAME
    db.session.commit()
    users = users_of(c)
    pages = 0
    for endpoint, rule, methods in routes():
        r = row_for(endpoint, rule)
        if r is None or "GET" not in methods:
            continue
        for who in ("student", "teacher", "admin"):
            if r["GET"][ACTORS.index(who)] != "A":
                continue
            response = act(users[who]).get(r["url"](c, who))
            if "html" not in response.content_type:
                continue
            html = response.get_data(as_text=True)
            assert "<script>alert" not in html, (who, rule)
            assert "<img src=x" not in html, (who, rule)
            assert not re.search(r"<b>班</b>", html), (who, rule)
            pages += 1
    assert pages > 30


# ---- numbers too large for the database, in paths and query strings -------------------------------

@pytest.mark.parametrize("number", [2 ** 31, 2 ** 63, 10 ** 30])
def test_huge_ids_in_urls_are_refused_not_crashed(app, school, act, number):
    users = {"admin": school.admin, "teacher": school.teacher, "student": school.student_user}
    before = table_dump()
    tried = 0
    for _endpoint, rule, methods in routes():
        if "<int:" not in rule:
            continue
        url = re.sub(r"<int:\w+>", str(number), rule)
        for who, user in users.items():
            actor = act(user)
            for method in sorted(methods & {"GET", "POST"}):
                response = actor.get(url) if method == "GET" else actor.post(url, {})
                assert response.status_code in (400, 403, 404), (who, method, url,
                                                                 response.status_code)
                tried += 1
    for url in ("/admin/dashboard", "/admin/workflow", "/admin/reports", "/student/"):
        for user in users.values():
            response = act(user).get(url, query_string={"term": str(number)})
            assert response.status_code < 500, (url, response.status_code)
    assert tried > 50
    assert table_dump() == before


def test_script_in_a_name_stays_text_in_the_exports(app, make):
    """The PDF card's HTML escapes it; the workbook keeps it as a plain string (no formula)."""
    from openpyxl import load_workbook

    from starrating.services.reports import pdf, xlsx

    c = build_context(make, publish=True)
    student = db.session.get(Student, c.students[0].id)
    student.name = XSS_NAME
    other = db.session.get(Student, c.students[1].id)
    other.name = '=HYPERLINK("http://evil.example","点我")'
    db.session.commit()
    from tests.reports.conftest import store_results

    db.session.execute(db.text("DELETE FROM star_result"))
    store_results(c.term)
    db.session.commit()
    card = pdf.card_data(c.term, student_ids=[student.id])[0]
    html = pdf.card_html(c.term, card)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    out = io.BytesIO()
    xlsx.write_workbook(c.admin, c.term, out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    values = [cell.value for sheet in book.worksheets for r in sheet.iter_rows()
              for cell in r]
    assert XSS_NAME in values
    formula = '=HYPERLINK("http://evil.example","点我")'
    cells = [cell for sheet in book.worksheets for r in sheet.iter_rows() for cell in r
             if cell.value == formula]
    assert cells and all(cell.data_type == "s" for cell in cells)

"""The school's logo in the report card's header (a data: URI the PDF pipeline embeds) and
at the top of every sheet of the school's and the city's workbooks; no logo, as before."""

from __future__ import annotations

import zipfile
from io import BytesIO

from PIL import Image

from starrating.extensions import db
from starrating.services.city_workbook import write_city_workbook
from starrating.services.reports import pdf
from starrating.services.reports.xlsx import write_workbook
from starrating.services.schools import set_logo
from tests.city.test_dashboard import city_user, school_with_results


def png(colour=(29, 79, 145), size=(120, 60)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (80, 80), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def media(path) -> list[str]:
    with zipfile.ZipFile(path) as book:
        return [n for n in book.namelist() if n.startswith("xl/media/")]


def drawings(path) -> list[str]:
    with zipfile.ZipFile(path) as book:
        return [n for n in book.namelist()
                if n.startswith("xl/drawings/drawing") and n.endswith(".xml")]


def test_school_workbook_has_the_logo_on_every_sheet(app, make, tmp_path):
    s = school_with_results(make)
    set_logo(None, s.school, png())
    db.session.commit()
    out = tmp_path / "school.xlsx"
    write_workbook(s.admin, s.term, str(out))
    import openpyxl
    sheets = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert len(drawings(out)) == len(sheets) == 4  # summary + three classes
    assert media(out)


def test_without_a_logo_the_workbooks_have_no_picture(app, make, tmp_path):
    s = school_with_results(make)
    city = city_user(make)
    db.session.commit()
    write_workbook(s.admin, s.term, str(tmp_path / "school.xlsx"))
    write_city_workbook(city, str(tmp_path / "city.xlsx"))
    assert media(tmp_path / "school.xlsx") == [] == media(tmp_path / "city.xlsx")


def test_city_workbook_puts_each_schools_logo_on_its_sheet(app, make, tmp_path):
    a = school_with_results(make)
    school_with_results(make)  # no logo
    set_logo(None, a.school, jpeg())
    city = city_user(make)
    db.session.commit()
    out = tmp_path / "city.xlsx"
    write_city_workbook(city, str(out))
    assert len(drawings(out)) == 1 and media(out)[0].endswith(".jpeg")


def test_card_header_carries_the_logo_as_a_data_uri(app, make):
    s = school_with_results(make)
    cards = pdf.card_data(s.term, class_ids=[s.class_a.id])
    assert "<img" not in pdf.cards_html(s.term, cards)
    set_logo(None, s.school, png())
    db.session.commit()
    html = pdf.cards_html(s.term, cards)
    assert html.count('<img class="logo" src="data:image/png;base64,') == len(cards)


def test_card_pdf_with_a_logo_embeds_the_image(app, make):
    s = school_with_results(make)
    set_logo(None, s.school, png())
    db.session.commit()
    data = pdf.student_card(s.admin, s.term, s.students[0], "zh")
    assert data.startswith(b"%PDF") and b"/Subtype /Image" in data

"""The school's logo on what it prints: a data: URI for the report card's header (WeasyPrint
reads it without fetching anything) and a picture at the top of each workbook sheet.

`School.logo` is checked as PNG or JPEG of at most 200 kB when it is saved
(services/schools.set_logo); Pillow reads its size here so that it is scaled to one row's
height, and a file Pillow cannot read is left out rather than breaking an export.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from io import BytesIO

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from ...extensions import db
from ...models import School

ROW_HEIGHT_POINTS = 36  # the title row when it carries a logo
LOGO_HEIGHT_PX = 44
INDENT_PX = 14  # one indent level of a title cell, a little under what Excel and LibreOffice draw


@dataclass(frozen=True)
class Logo:
    content: bytes
    mimetype: str
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        return f"data:{self.mimetype};base64,{base64.b64encode(self.content).decode('ascii')}"


def read_logo(content: bytes | None, mimetype: str | None) -> Logo | None:
    """A Logo from stored bytes, or None (no logo, or one that is not a readable image)."""
    if not content or mimetype not in ("image/png", "image/jpeg"):
        return None
    try:
        with Image.open(BytesIO(content)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    if not width or not height:
        return None
    return Logo(content, mimetype, width, height)


def school_logos(school_ids) -> dict[int, Logo]:
    """The logos of these schools, in one query (schools without one are left out)."""
    ids = list(school_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(School.id, School.logo, School.logo_type).where(
        School.id.in_(ids), School.logo_type != ""))
    found = {sid: read_logo(content, kind) for sid, content, kind in rows}
    return {sid: logo for sid, logo in found.items() if logo is not None}


def school_logo(school_id: int) -> Logo | None:
    return school_logos([school_id]).get(school_id)


def insert_logo(sheet, logo: Logo | None) -> int:
    """The logo at the top left of a sheet, one row high; returns the indent (in Excel's
    levels of about three spaces) the title in A1 needs to start right of it, 0 without a
    logo. Call before row 0 is written: in constant-memory mode a written row is final."""
    if logo is None:
        return 0
    sheet.set_row(0, ROW_HEIGHT_POINTS)
    scale = LOGO_HEIGHT_PX / logo.height
    sheet.insert_image(0, 0, "logo." + ("png" if logo.mimetype == "image/png" else "jpeg"), {
        "image_data": BytesIO(logo.content), "x_scale": scale, "y_scale": scale,
        "x_offset": 2, "y_offset": 2, "object_position": 3})
    return min(15, math.ceil((logo.width * scale + 16) / INDENT_PX))


def title_format(book, logo_indent: int, **properties):
    """A title cell's format, indented past the logo when there is one."""
    if logo_indent:
        properties = {**properties, "indent": logo_indent, "valign": "vcenter"}
    return book.add_format(properties)

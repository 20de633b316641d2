"""Initial-password slips (初始密码条): one A4 PDF per class for its class teacher to cut up.

Each slip names the school, the class, the student (学号, 姓名), the initial password and
the login address; dashed borders are the cut lines. The slips are made from the plain
passwords of one request (a roster import or a class's reset) and are never written
anywhere but the one-time staging of kind "passwords" (services/sheets.py); nothing here
logs them.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from flask import render_template

from .common import safe_file_part
from .pdf import CARD_FONT_FAMILY, CardRenderer


@dataclass(frozen=True)
class Slip:
    number: str
    name: str
    class_name: str
    password: str


def slips_html(school_name: str, class_name: str, slips: list[Slip], login_url: str,
               school_code: str = "") -> str:
    return render_template("reports/slips.html", school=school_name, class_name=class_name,
                           slips=sorted(slips, key=lambda s: s.number), login_url=login_url,
                           school_code=school_code, font=CARD_FONT_FAMILY)


def class_slips_pdf(school_name: str, class_name: str, slips: list[Slip],
                    login_url: str, school_code: str = "") -> bytes:
    """One class's slips as a PDF (in 学号 order)."""
    return CardRenderer("reports/slips.css").render(
        slips_html(school_name, class_name, slips, login_url, school_code))


def slip_file_name(class_name: str) -> str:
    return safe_file_part(f"{class_name}-初始密码") + ".pdf"


def slips_zip(school_name: str, slips: list[Slip], login_url: str,
              school_code: str = "") -> bytes:
    """A zip with one PDF per class (the class teacher's), classes in name order."""
    by_class: dict[str, list[Slip]] = {}
    for slip in slips:
        by_class.setdefault(slip.class_name, []).append(slip)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for class_name in sorted(by_class):
            archive.writestr(slip_file_name(class_name), class_slips_pdf(
                school_name, class_name, by_class[class_name], login_url, school_code))
    return buffer.getvalue()


# ---- guardians' invitation slips (area: families, services/guardians.py) ----------------------

def invitation_slips_pdf(school_name: str, class_name: str, slips: list,
                         activate_url: str) -> tuple[bytes, str]:
    """One class's guardian invitation slips (one-time codes) as a PDF and its file name."""
    html = render_template("guardian/slips.html", school=school_name, class_name=class_name,
                           slips=slips, activate_url=activate_url, font=CARD_FONT_FAMILY)
    return (CardRenderer("reports/slips.css").render(html),
            safe_file_part(f"{class_name}-家长邀请码") + ".pdf")

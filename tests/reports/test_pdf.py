"""Report cards: Chinese text (rare name characters included) and the embedded font."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from starrating.services.reports import pdf
from tests.reports.conftest import RARE_NAME

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext missing: apt-get install poppler-utils")


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def keep(path: Path) -> None:
    """A copy to look at (rendered to PNG by hand): test-artifacts/reports/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / path.name)


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@needs_poppler
def test_card_text_is_chinese_with_rare_name_characters(demo, tmp_path):
    data = pdf.student_card(demo.admin, demo.term, demo.rare)
    out = tmp_path / "card.pdf"
    out.write_bytes(data)
    text = pdf_text(out)
    keep(out)
    assert RARE_NAME in text

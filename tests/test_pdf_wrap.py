"""The editions' fast line breaking gives fpdf2's own lines (so the same PDFs)."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.build_cache import FONT_DIR
from tests.conftest import CORPUS
from tests.editions import _hyphenatable


def wrap(pdf: Any, text: str, width: float) -> list[str]:
    from tests.pdf_wrap import wrap  # fpdf2 is imported by the tests that run, not at collection

    return wrap(pdf, text, width)


@functools.cache
def _pdf(bold: bool = False, size: float = 10.5) -> Any:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="letter")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B" if bold else "", size)
    return pdf


def _fpdf_lines(pdf: Any, text: str, width: float) -> list[str]:
    from fpdf.enums import MethodReturnValue

    lines = pdf.multi_cell(width, 12, text, dry_run=True, output=MethodReturnValue.LINES)
    return [str(line) for line in lines]


# each corpus document at one of the editions' widths (a column, a page, narrower)
WIDTHS = (252.0, 504.0, 150.0)


@pytest.mark.parametrize(
    ("key", "width"), [(key, WIDTHS[n % len(WIDTHS)]) for n, key in enumerate(sorted(CORPUS))]
)
def test_corpus_paragraphs_break_as_fpdf2_breaks_them(key: str, width: float) -> None:
    paragraphs = [p for p in CORPUS[key].read_text(encoding="utf-8").split("\n\n") if p.strip()]
    for paragraph in paragraphs[:30]:
        text = _hyphenatable(" ".join(paragraph.split()))
        assert wrap(_pdf(), text, width) == _fpdf_lines(_pdf(), text, width)


def test_hard_cases_break_as_fpdf2_breaks_them() -> None:
    cases = [
        "",
        "\n",
        "one\n\ntwo\n",
        "a" * 200,  # no break possible: cut before the overflowing character
        "medically\u00adnecessary " * 12,  # soft hyphens and spaces compete
        "word\u00a0glued\u00a0by\u00a0no-break\u00a0spaces " * 8,
        "ends with spaces      " * 9,
        "CPT 0001U, 0002U, 81519, 81520, 81521, 81522, 81523, S3854 and G0452 " * 3,
    ]
    for text in cases:
        for pdf in (_pdf(), _pdf(bold=True, size=14)):
            for width in (40.0, 180.0, 400.0):
                assert wrap(pdf, text, width) == _fpdf_lines(pdf, text, width), (text, width)


@given(
    text=st.text(
        alphabet=st.sampled_from("abcdefghij ABC-,.()\u00ad\u00a0\n\u2003\u200b\t\x0cWMmil1"),
        max_size=240,
    ),
    width=st.floats(min_value=30.0, max_value=520.0),
)
def test_any_text_breaks_as_fpdf2_breaks_it(text: str, width: float) -> None:
    assert wrap(_pdf(), text, width) == _fpdf_lines(_pdf(), text, width)


def test_a_character_wider_than_the_line_is_an_error_as_in_fpdf2() -> None:
    with pytest.raises(ValueError, match="wider than"):
        wrap(_pdf(), "W", 8.0)

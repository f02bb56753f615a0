"""Line breaking for the generated PDF editions: fpdf2's ``multi_cell`` breaks, in linear time.

fpdf2 (2.8) measures the whole line again for every character it adds, so wrapping a
paragraph costs the square of its line length; the editions' paragraphs spent most of
their build there (seconds on a machine without the build cache). :func:`wrap` makes
the same decisions with a running sum of the same glyph widths: break before the
character that would overflow, at the later of the last space and the last soft
hyphen (printed as "-"), else before the character itself; an overflowing space is
dropped. Same lines, character for character, so the same PDFs:
``tests/test_pdf_wrap.py`` holds it to fpdf2's own.
"""

from __future__ import annotations

from typing import Any

from fpdf.line_break import (
    BREAKING_SPACE_SYMBOLS_STR,
    FORM_FEED,
    HYPHEN,
    NBSP,
    NEWLINE,
    SOFT_HYPHEN,
)
from fpdf.util import FloatTolerance


def wrap(pdf: Any, text: str, width: float) -> list[str]:
    """The lines ``pdf.multi_cell(width, h, text, dry_run=True, output="LINES")`` gives
    for plain text in the current font (no markdown, padding, spacing or shaping)."""
    assert width > 0 and pdf.is_ttf_font and not pdf.text_shaping
    assert pdf.char_spacing == 0 and pdf.font_stretching == 100
    assert pdf.str_alias_nb_pages not in text  # fpdf2 measures the alias as a number
    glyph_units = pdf.current_font.cw
    scale: float = pdf.font_size_pt * 0.001
    k: float = pdf.k

    def measure(units: int) -> float:  # as fpdf2's Fragment.get_width computes it
        return units * scale / k

    limit = width
    for margin in (pdf.c_margin, pdf.c_margin):  # the cell's clearance on both sides
        limit -= float(margin)

    lines: list[str] = []
    line: list[str] = []
    units = 0  # of the characters in ``line``
    space_at: tuple[int, int, float] | None = None  # (text index, line length, width)
    hyphen_at: tuple[int, int, float] | None = None
    text = text.replace("\r", "")
    i = 0
    while i < len(text):
        char = text[i]
        if char in (NEWLINE, FORM_FEED):
            lines.append("".join(line))
            line, units, space_at, hyphen_at = [], 0, None, None
            i += 1
            continue
        shown = HYPHEN if char == SOFT_HYPHEN else char
        if FloatTolerance.greater_than(measure(units) + measure(glyph_units[ord(shown)]), limit):
            if char in BREAKING_SPACE_SYMBOLS_STR:
                i += 1
            elif hyphen_at and (space_at is None or hyphen_at[2] > space_at[2]):
                i, kept, _ = hyphen_at
                line = [*line[:kept], HYPHEN]
                i += 1
            elif space_at:
                i, kept, _ = space_at
                line = line[:kept]
                i += 1
            elif not line:  # fpdf2 gives up here too
                raise ValueError(f"{char!r} is wider than the {width:g} pt line")
            lines.append("".join(line))
            line, units, space_at, hyphen_at = [], 0, None, None
            continue
        if char in BREAKING_SPACE_SYMBOLS_STR:
            space_at = (i, len(line), measure(units))
        elif char == SOFT_HYPHEN:
            hyphen_at = (i, len(line), measure(units))
        if char != SOFT_HYPHEN:
            kept_char = " " if char == NBSP else char
            line.append(kept_char)
            units += glyph_units[ord(kept_char)]
        i += 1
    if units:
        lines.append("".join(line))
    return lines or [""]  # fpdf2 always gives a line

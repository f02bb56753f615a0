"""PDF bytes → line-oriented policy text, in reading order (pdfium via pypdfium2).

The stages, one module each:

- :mod:`.reader` — pdfium's text layer → words → printed lines split into
  segments at wide gaps, and the page's horizontal rules;
- :mod:`.furniture` — running headers, footers and header blocks (repeated in
  place on the pages, page numbers and all) out of the body, one copy kept as
  the document's masthead;
- :mod:`.tables` — the printed lines of one wrapped table row → one row;
- :mod:`.columns` — a page or band set in two columns read column by column;
- :mod:`.render` — lines → text: headings, paragraphs, bullets, TAB rows,
  ``Label: value`` pairs, hyphenation;
- :mod:`.links` — the web links a PDF prints (policy indexes published as bulletins).

Errors are one line each: no text layer (needs OCR), encrypted, truncated or
damaged, too many pages, too slow.
"""

from __future__ import annotations

import re

from policywatch.errors import ExtractError
from policywatch.extract.pdf import columns, furniture, reader, render, tables
from policywatch.extract.pdf.layout import Line, PageText

# Bounds for one document: a medical policy runs to tens of pages; thousands
# of pages is a compendium or a hostile file, and must not hang a nightly run.
MAX_PAGES = 1000
MAX_SECONDS = 120.0

# Below this many characters of body text per page (on average) the PDF is a scan.
MIN_CHARS_PER_PAGE = 20

_CID = re.compile(r"\(cid:\d+\)")
join_hyphenated = render.join_hyphenated


def pdf_to_text(data: bytes) -> str:
    """PDF bytes → text lines for the shared cleaner; raises ExtractError."""
    return read_pdf(data)[0]


def read_pdf(data: bytes) -> tuple[str, list[str]]:
    """PDF bytes → (text lines for the shared cleaner, the running footer's lines)."""
    _check_complete(data)
    pdf = reader.open_pdf(data, MAX_PAGES)
    try:
        pages = list(reader.read_pages(pdf, MAX_SECONDS))
    finally:
        pdf.close()
    masthead, footer = furniture.remove_furniture(pages)
    _check_text_layer(pages)
    body_size = render.body_font_size(pages)
    ordered = [_page_order(page) for page in pages]
    levels = render.heading_levels([masthead, *ordered], body_size)
    gap = render.line_gap(ordered, body_size)
    out: list[str] = []
    render.render_page(masthead, out, body_size, gap, levels)
    out.append("")  # the masthead is a block of its own
    carry = render.Carry()
    for lines in ordered:
        render.render_page(lines, out, body_size, gap, levels, carry)
    return render.finish(out), [" ".join(line.text.split()) for line in footer]


def _page_order(page: PageText) -> list[Line]:
    lines = columns.reading_order(page.lines, page.width, tables.ruled_lines(page))
    return tables.merge_rows(lines, page.rules, page.posts)


def _check_complete(data: bytes) -> None:
    # A download cut short parses "successfully" into fewer pages; a policy
    # that silently loses its last pages would read as a mass deletion.
    if b"%%EOF" not in data[-2048:]:
        raise ExtractError("PDF is truncated: it has no end-of-file marker")


def _check_text_layer(pages: list[PageText]) -> None:
    # Counted without running headers and page numbers: a scan stamped with
    # "Page 3 of 10" still has no text layer for its content.
    body_chars = sum(len(line.text.strip()) for page in pages for line in page.lines)
    if body_chars < MIN_CHARS_PER_PAGE * len(pages):
        raise ExtractError("PDF has no text layer (scanned images?); it needs OCR")
    unmapped = sum(len(m) for page in pages for line in page.lines for m in _CID.findall(line.text))
    if unmapped > body_chars / 2:
        raise ExtractError(
            "PDF text layer is unreadable (fonts without a Unicode mapping); it needs OCR"
        )

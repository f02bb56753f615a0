"""PDF bytes → the links it prints, for policy indexes published as PDF bulletins.

Each page gives its link annotations that open a web address, with the text they
cover, then the web addresses printed as plain text that no annotation covers. Where
the covered text is the address itself (or nothing), the link's name is the rest of
its printed line: a bulletin row "Widget Therapy  https://…/widget.pdf" names the
policy beside its address.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from policywatch.extract.pdf.reader import open_pdf

MAX_PAGES = 1000  # a bulletin of links runs to a few pages; as many as a policy at most
_SPACE = re.compile(r"\s+")
_ADDRESS = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class PdfLink:
    url: str
    text: str  # what the page prints for it


def pdf_links(data: bytes) -> list[PdfLink]:
    """Every web link the PDF prints, page by page, in the order pdfium lists them;
    raises ExtractError when the PDF cannot be read."""
    pdf = open_pdf(data, MAX_PAGES)
    found: list[PdfLink] = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                annotated = list(_annotated(pdf, page, textpage))
                covered = {link.url for link in annotated}
                found += annotated
                found += [link for link in _printed(page, textpage) if link.url not in covered]
            finally:
                textpage.close()
                page.close()
    finally:
        pdf.close()
    return found


def _annotated(pdf: Any, page: Any, textpage: Any) -> Iterator[PdfLink]:
    import pypdfium2.raw as raw

    position = ctypes.c_int(0)
    link = raw.FPDF_LINK()
    while raw.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(link)):
        action = raw.FPDFLink_GetAction(link)
        if not action or raw.FPDFAction_GetType(action) != raw.PDFACTION_URI:
            continue
        size = raw.FPDFAction_GetURIPath(pdf.raw, action, None, 0)
        buffer = ctypes.create_string_buffer(size)
        raw.FPDFAction_GetURIPath(pdf.raw, action, buffer, size)
        url = buffer.value.decode("utf-8", "replace").strip()
        rect = raw.FS_RECTF()
        if not url or not raw.FPDFLink_GetAnnotRect(link, ctypes.byref(rect)):
            continue
        covered = _clean(textpage.get_text_bounded(rect.left, rect.bottom, rect.right, rect.top))
        yield PdfLink(url, _name(page, textpage, covered, rect.bottom, rect.top))


def _printed(page: Any, textpage: Any) -> Iterator[PdfLink]:
    import pypdfium2.raw as raw

    links = raw.FPDFLink_LoadWebLinks(textpage.raw)
    if not links:
        return
    try:
        for index in range(raw.FPDFLink_CountWebLinks(links)):
            size = raw.FPDFLink_GetURL(links, index, None, 0)
            buffer = (ctypes.c_ushort * size)()
            raw.FPDFLink_GetURL(links, index, buffer, size)
            url = bytes(buffer).decode("utf-16-le", "replace").rstrip("\x00").strip()
            if not url or raw.FPDFLink_CountRects(links, index) < 1:
                continue
            left, top, right, bottom = (ctypes.c_double() for _ in range(4))
            raw.FPDFLink_GetRect(
                links, index, 0, *(ctypes.byref(v) for v in (left, top, right, bottom))
            )
            yield PdfLink(url, _name(page, textpage, url, bottom.value, top.value))
    finally:
        raw.FPDFLink_CloseWebLinks(links)


def _name(page: Any, textpage: Any, covered: str, bottom: float, top: float) -> str:
    """The covered text, or, when that is the address itself or nothing, the rest of the
    printed line the link sits on."""
    if covered and not _ADDRESS.match(covered):
        return covered
    left, _, right, _ = page.get_mediabox()
    line = _clean(textpage.get_text_bounded(left, bottom, right, top))
    rest = _clean(line.replace(covered, " ")) if covered else line
    return rest.strip(" :;,|-–—") or covered


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\ufffe", "")).strip()

"""Running headers, footers and header blocks: what every page repeats in place.

A line is furniture when a line like it (same words once digits are ignored,
or nearly: "Page 1 of 21 - Cigna …" and "3 Pages - Cigna …") is printed at the
same height near the top or bottom of at least half of the pages. All copies
leave the page body, where they would cut sentences and lists in two; one copy
of each, page numbers removed, is kept: the header opens the document as its
masthead, because plans print the policy number, title and dates there; the
footer is handed back apart from the text, where metadata can still read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policywatch.extract.pdf.layout import Line, PageText, Segment

# How far from the top or bottom of the page a running line may sit.
TOP_ZONE = 0.30
BOTTOM_ZONE = 0.25
ZONE_LINES = 8  # at most this many lines at either end of a page
SAME_PLACE = 6.0  # points: a running line is printed at the same height on every page
# A running header starts on page 1, or on page 2 under a letterhead; lines repeated only
# from a later page on belong to what starts there (a table's header row).
_LATE_PAGE = 2  # index of the third page
SIMILAR = 0.75  # shared share of the words of digit-free texts (Jaccard)

PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(page|pg\.?|p\.)?\s*:?\s*(\d{1,4})\s*(?:(of|/)\s*(\d{1,4}))?[-–—\s]*$", re.IGNORECASE
)
_PAGE_NUMBER_LABEL = re.compile(r"^(page|pg\.?)\s*:?$", re.IGNORECASE)
_PAGE_N_OF_M = re.compile(
    r"\b(?:page\s+)?\d{1,4}\s+(?:of\s+\d{1,4}\s+)?pages?\b|\bpage\s*:?\s*\d{1,4}"
    r"(?:\s+of\s+\d{1,4})?\b",
    re.IGNORECASE,
)


_PAGE_LABEL_N_OF_M = re.compile(r"\bpage\s*:?\s*(?:\d{1,4}(?:\s+of\s+\d{1,4})?)?", re.I)


@dataclass
class _Cluster:
    y: float
    text: str
    words: frozenset[str]
    pages: set[int] = field(default_factory=set)


def remove_furniture(pages: list[PageText]) -> tuple[list[Line], list[Line]]:
    """Drop running lines from every page; return one copy of the running header
    lines (the masthead) and one of the footer lines."""
    count = len(pages)
    for page in pages:
        top, bottom = _zone(page, top=True), _zone(page, top=False)
        for line in top[:2] + bottom[-2:]:
            strip_page_number(line, count)
        for line in top[2:] + bottom[:-2]:  # deeper in a header block: "Page: 2 of 6" only
            strip_page_number(line, count, bare_numbers=False)
        page.lines = [line for line in page.lines if line.segments]
    if len(pages) < 2:
        return [], []
    header, footer = _remove_zone(pages, top=True), _remove_zone(pages, top=False)
    # What page 1 still prints in its body (a title, a header block set lower under a
    # letterhead, so not taken off there) needs no second copy.
    first_page = {_bare(line.text) for line in pages[0].lines}
    return [line for line in header if _bare(line.text) not in first_page], footer


def _remove_zone(pages: list[PageText], top: bool) -> list[Line]:
    zones = [_zone(page, top) for page in pages]
    clusters: list[_Cluster] = []
    by_text: dict[str, list[_Cluster]] = {}  # most running lines repeat word for word
    assigned: dict[int, _Cluster] = {}
    for index, (page, lines) in enumerate(zip(pages, zones, strict=True)):
        for line in lines:
            y = line.top if top else page.height - line.bottom
            text = _norm(line.text)
            same = by_text.get(text, [])
            cluster = next((c for c in same if abs(c.y - y) <= SAME_PLACE), None)
            cluster = cluster or _match(clusters, y, text)
            if cluster is None:
                cluster = _Cluster(y, text, frozenset(text.split()))
                clusters.append(cluster)
                same.append(cluster)
                by_text[text] = same
            cluster.pages.add(index)
            assigned[id(line)] = cluster
    need = max(2, (len(pages) + 1) // 2)
    running = {id(c) for c in clusters if len(c.pages) >= need and c.text}
    kept: dict[int, Line] = {}
    printed: set[str] = set()  # what earlier pages print in their bodies
    late = any(min(c.pages) >= _LATE_PAGE for c in clusters if id(c) in running)
    for index, (page, lines) in enumerate(zip(pages, zones, strict=True)):
        drop = _outermost(lines if top else lines[::-1], assigned, running)
        for line in lines:
            cluster = assigned[id(line)]
            if id(line) not in drop:
                continue
            first = min(cluster.pages)
            if first >= _LATE_PAGE:
                # Repeated from mid-document on: a long table's header row reprinted on
                # each page it runs over. It stays where the table starts.
                if index == first and cluster.text not in printed:
                    drop.discard(id(line))
            elif id(cluster) not in kept:
                kept[id(cluster)] = line
        page.lines = [line for line in page.lines if id(line) not in drop]
        if late:
            printed.update(_norm(line.text) for line in page.lines)
    copies = sorted(kept.values(), key=lambda line: line.top)
    for line in copies:
        _strip_page_words(line, len(pages))
    return [line for line in copies if line.segments]


def _outermost(lines: list[Line], assigned: dict[int, _Cluster], running: set[int]) -> set[int]:
    """ids of the running lines from the page's edge inwards, up to the first line of
    body text: body text repeated on many pages (criteria restated per indication) may
    land near the margin by chance, but never with only furniture outside it."""
    drop: set[int] = set()
    for line in lines:
        if id(assigned[id(line)]) not in running:
            break
        drop.add(id(line))
    return drop


def _zone(page: PageText, top: bool) -> list[Line]:
    lines = [line for line in page.lines if line.kind == "text"]
    if top:
        limit = page.height * TOP_ZONE
        return [line for line in lines[:ZONE_LINES] if line.bottom <= limit]
    limit = page.height * (1 - BOTTOM_ZONE)
    return [line for line in lines[-ZONE_LINES:] if line.top >= limit]


def _match(clusters: list[_Cluster], y: float, text: str) -> _Cluster | None:
    words = frozenset(text.split())
    for cluster in clusters:
        if abs(cluster.y - y) > SAME_PLACE:
            continue
        if cluster.text == text:
            return cluster
        union = len(words | cluster.words)
        if union and len(words & cluster.words) >= SIMILAR * union:
            return cluster
    return None


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _bare(text: str) -> str:
    """A line's words without page numbering, to compare a copy with page 1's line."""
    return _norm(_PAGE_LABEL_N_OF_M.sub(" ", text))


def strip_page_number(line: Line, pages: int, bare_numbers: bool = True) -> None:
    """Remove "Page 3 of 10" cells, and the "Page:" label before such a cell; a bare "3"
    only where ``bare_numbers`` (the first and last lines of a page). ``pages`` is the
    document's page count."""
    kept: list[Segment] = []
    for segment in line.segments:
        if _is_page_number(segment.text, pages, bare_numbers):
            if kept and _PAGE_NUMBER_LABEL.match(kept[-1].text):
                kept.pop()
            continue
        kept.append(segment)
    line.segments = kept


def _is_page_number(text: str, pages: int, bare_numbers: bool) -> bool:
    """A page number the document can have. Dates and fractions look alike ("01/2020",
    "2/2021"): a page's number has no leading zero and is within the page count, and a
    "3/10" total is the page count itself."""
    numbered = PAGE_NUMBER.match(text)
    if numbered is None:
        return False
    label, number, joint, total = numbered.groups()
    if number.startswith("0") or int(number) > max(pages, int(total or 0)):
        return False
    if joint == "/":
        return int(total) == pages
    if total is not None:
        return int(number) <= int(total)
    return bare_numbers or label is not None


def _strip_page_words(line: Line, pages: int) -> None:
    """A masthead copy keeps no page number, also inside a cell ("Page 1 of 21 - Cigna …")."""
    strip_page_number(line, pages)
    for segment in line.segments:
        text = _PAGE_N_OF_M.sub("", segment.text)
        segment.text = " ".join(text.strip(" -–—|").split())
    line.segments = [s for s in line.segments if s.text]

"""An index page (HTML, or a PDF bulletin of links) → its policy entries and the link
to its next page.

- a table whose header row names its columns ("Policy Number", "Title",
  "Effective Date", "Last Review" …): one entry per row with a link, the number and
  dates read from their columns (dates as ISO, at the precision the page gives);
- otherwise every link in a list item (or, with none, every link on the page):
  one entry per link, its text the title;
- a PDF: every web link it prints (:mod:`policywatch.extract.pdf.links`), named by
  its text or the rest of its line; a PDF has no next page.

Links resolve against the page's URL; ``include`` / ``exclude`` are regexes searched
in the absolute link. Pagination links ("Next", ``rel="next"``, "›", "»") and
non-document links (``#…``, ``mailto:``, ``javascript:``) are never entries. A link
listed twice is one entry (the first). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from policywatch.extract.decode import decode_text
from policywatch.extract.pdf.links import pdf_links
from policywatch.index.model import Entry
from policywatch.parse.dates import parse_date

_NEXT_TEXT = re.compile(r"^\W*next(\s+page)?\W*$|^[›»>]+$", re.IGNORECASE)
_SKIP_SCHEMES = ("mailto:", "javascript:", "tel:", "data:")
_SPACE = re.compile(r"\s+")

# Header words → what the column holds (first match wins, in this order).
_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"\b(number|no\.?|#|id|code)\b", re.IGNORECASE)),
    ("original_effective", re.compile(r"\boriginal\b", re.IGNORECASE)),
    ("effective", re.compile(r"\beffective\b", re.IGNORECASE)),
    ("last_review", re.compile(r"\b(review|reviewed|revised|updated)\b", re.IGNORECASE)),
    ("published", re.compile(r"\b(published|posted)\b", re.IGNORECASE)),
    ("title", re.compile(r"\b(title|name|policy|subject|topic)\b", re.IGNORECASE)),
)


@dataclass(frozen=True)
class Page:
    entries: tuple[Entry, ...]
    next_url: str | None = None


def read_page(
    data: bytes, base_url: str, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> Page:
    """The entries one index page lists, and its next page's URL (None on the last)."""
    if data.lstrip()[:5] == b"%PDF-":
        return _pdf_page(data, base_url, _Filter(include, exclude, None))
    tree = LexborHTMLParser(decode_text(data))
    base = _base(tree, base_url)
    next_url = _next_link(tree, base)
    wanted = _Filter(include, exclude, next_url)
    entries = _from_tables(tree, base, wanted) or _from_links(tree, base, wanted)
    return Page(tuple(_unique(entries)), next_url)


class _Filter:
    def __init__(self, include: Sequence[str], exclude: Sequence[str], skip: str | None) -> None:
        self.include = [re.compile(p) for p in include]
        self.exclude = [re.compile(p) for p in exclude]
        self.skip = skip

    def __call__(self, link: str, text: str) -> bool:
        if link == self.skip or _NEXT_TEXT.match(text) or not text:
            return False
        if self.include and not any(p.search(link) for p in self.include):
            return False
        return not any(p.search(link) for p in self.exclude)


def _base(tree: LexborHTMLParser, url: str) -> str:
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    return urljoin(url, href) if href else url


def _absolute(base: str, href: str | None) -> str | None:
    if not href or href.startswith("#") or href.lower().startswith(_SKIP_SCHEMES):
        return None
    return urldefrag(urljoin(base, href.strip())).url


def _text(node: LexborNode) -> str:
    return _SPACE.sub(" ", node.text(separator=" ") or "").strip()


def _next_link(tree: LexborHTMLParser, base: str) -> str | None:
    for node in tree.css("a[href], link[href]"):
        rel = (node.attributes.get("rel") or "").lower().split()
        if "next" in rel or (node.tag == "a" and _NEXT_TEXT.match(_text(node))):
            return _absolute(base, node.attributes.get("href"))
    return None


def _from_tables(tree: LexborHTMLParser, base: str, wanted: _Filter) -> list[Entry]:
    entries: list[Entry] = []
    for table in tree.css("table"):
        rows = table.css("tr")
        if not rows:
            continue
        columns = _columns(rows[0])
        if not columns:
            continue
        for row in rows[1:]:
            entry = _row_entry(row, columns, base, wanted)
            if entry is not None:
                entries.append(entry)
    return entries


def _columns(header: LexborNode) -> dict[int, str]:
    cells = header.css("th") or header.css("td")
    found: dict[int, str] = {}
    for i, cell in enumerate(cells):
        label = _text(cell)
        for name, pattern in _COLUMNS:
            if pattern.search(label) and name not in found.values():
                found[i] = name
                break
    return found if set(found.values()) - {"title"} else {}  # a real listing has more


def _row_entry(
    row: LexborNode, columns: dict[int, str], base: str, wanted: _Filter
) -> Entry | None:
    cells = row.css("td, th")
    link: str | None = None
    link_text = ""
    for anchor in row.css("a[href]"):
        link = _absolute(base, anchor.attributes.get("href"))
        link_text = _text(anchor)
        if link is not None:
            break
    if link is None or not wanted(link, link_text or "x"):
        return None
    values = {name: _text(cells[i]) for i, name in columns.items() if i < len(cells)}
    dates = {
        name: iso
        for name in ("effective", "original_effective", "last_review", "published")
        if (iso := parse_date(values.get(name, ""))) is not None
    }
    title = values.get("title") or link_text
    return Entry(link=link, title=title, number=values.get("number") or None, dates=dates)


def _from_links(tree: LexborHTMLParser, base: str, wanted: _Filter) -> list[Entry]:
    anchors = tree.css("li a[href]") or tree.css("a[href]")
    entries = []
    for anchor in anchors:
        link = _absolute(base, anchor.attributes.get("href"))
        text = _text(anchor)
        if link is not None and wanted(link, text):
            entries.append(Entry(link=link, title=text))
    return entries


def _pdf_page(data: bytes, base: str, wanted: _Filter) -> Page:
    entries = []
    for found in pdf_links(data):
        link = _absolute(base, found.url)
        if link is not None and wanted(link, found.text):
            entries.append(Entry(link=link, title=found.text))
    return Page(tuple(_unique(entries)))


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.link not in seen:
            seen.add(entry.link)
            kept.append(entry)
    return kept

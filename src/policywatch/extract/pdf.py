"""PDF bytes → line-oriented policy text, in reading order (pdfplumber).

What the rest of the pipeline relies on:

- one text line per printed line (paragraphs stay hard-wrapped; the shared
  cleaner un-wraps them), a blank line where the vertical gap is larger than
  the line spacing, and ``# Heading`` lines for larger or bold lines;
- two-column pages read column by column (the gutter is found from word
  x-positions, never assumed);
- running headers and footers found by what repeats at the top or bottom of
  the pages (digits normalised, so "Page 3 of 10" repeats too): the header is
  kept once on the first page (plans print the policy number and dates
  there), the footer once on the last page, page numbers nowhere;
- tables row by row, cells separated by a TAB, so code tables parse; wide
  horizontal gaps inside a printed line (borderless tables) become TABs too;
  each row is a block of its own (blank lines around it), so no un-wrapping
  of the hard-wrapped text around it ever joins two rows;
- words hyphenated across a line break joined again.

Errors are one line each: no text layer (needs OCR), encrypted, truncated or
damaged, too many pages.
"""

from __future__ import annotations

import io
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from policywatch.errors import ExtractError

# Bounds for one document: a medical policy runs to tens of pages; thousands
# of pages is a compendium or a hostile file, and must not hang a nightly run.
MAX_PAGES = 1000
MAX_SECONDS = 120.0

# Below this many characters of body text per page (on average) the PDF is a scan.
MIN_CHARS_PER_PAGE = 20

# Lines looked at for running headers/footers, and where they may sit.
FURNITURE_LINES = 4
FURNITURE_ZONE = 0.15  # top / bottom fraction of the page height

_BULLETS = "•◦▪▫‣●○■□➢►–"
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(page|pg\.?|p\.)?\s*\d{1,4}\s*((of|/)\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE
)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "\u00ad": ""})
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class Segment:
    """Words of one printed line between two wide gaps (a table cell or a column part)."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float = 0.0  # the font size most of its characters have
    bold: bool = False  # every word set in a bold face


@dataclass
class Line:
    """A printed line, or a whole ruled table (kind="table", text = TAB rows)."""

    top: float
    bottom: float
    segments: list[Segment]
    kind: str = "text"
    table_rows: list[str] = field(default_factory=list)

    @property
    def size(self) -> float:
        return max(self.segments, key=lambda s: len(s.text)).size

    @property
    def bold(self) -> bool:
        return all(s.bold for s in self.segments)

    @property
    def x0(self) -> float:
        return self.segments[0].x0

    @property
    def x1(self) -> float:
        return self.segments[-1].x1

    @property
    def text(self) -> str:
        return "\t".join(s.text for s in self.segments)


# --------------------------------------------------------------------------- entry


def pdf_to_text(data: bytes) -> str:
    """PDF bytes → text lines for the shared cleaner; raises ExtractError."""
    _check_complete(data)
    pages = _read_pages(data)
    if not pages:
        raise ExtractError("PDF has no pages")
    _remove_furniture(pages)
    # Counted without running headers and page numbers: a scan stamped with
    # "Page 3 of 10" still has no text layer for its content.
    body_chars = sum(len(line.text.strip()) for page in pages for line in page.lines)
    if body_chars < MIN_CHARS_PER_PAGE * len(pages):
        raise ExtractError("PDF has no text layer (scanned images?); it needs OCR")
    cid_chars = sum(
        len(m) for page in pages for line in page.lines for m in _CID.findall(line.text)
    )
    if cid_chars > body_chars / 2:
        raise ExtractError(
            "PDF text layer is unreadable (fonts without a Unicode mapping); it needs OCR"
        )
    body_size = _body_font_size(pages)
    heading_levels = _heading_levels(pages, body_size)
    ordered = [_reading_order(p.lines, _find_gutter(p.lines, p.width)) for p in pages]
    line_gap = _line_gap(ordered, body_size)
    out: list[str] = []
    for lines in ordered:
        _render_page(lines, out, body_size, line_gap, heading_levels)
    return _finish(out)


# --------------------------------------------------------------------------- reading


@dataclass
class PageText:
    width: float
    height: float
    lines: list[Line]


def _check_complete(data: bytes) -> None:
    # A download cut short parses "successfully" into fewer pages; a policy
    # that silently loses its last pages would read as a mass deletion.
    if b"%%EOF" not in data[-2048:]:
        raise ExtractError("PDF is truncated: it has no end-of-file marker")


def _read_pages(data: bytes) -> list[PageText]:
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        raise _open_error(exc.args[0] if exc.args else exc) from exc
    except Exception as exc:  # pdfminer raises bare errors on hostile input
        raise _open_error(exc) from exc
    with pdf:
        _check_page_count(pdf)
        deadline = time.monotonic() + MAX_SECONDS
        pages: list[PageText] = []
        try:
            for page in pdf.pages:
                if time.monotonic() > deadline:
                    raise ExtractError(
                        f"PDF took over {MAX_SECONDS:.0f} s to read at page {page.page_number}; "
                        "it is too large or too complex"
                    )
                pages.append(PageText(float(page.width), float(page.height), _page_lines(page)))
                page.close()  # drop the page's parsed objects: memory stays flat
        except ExtractError:
            raise
        except Exception as exc:
            raise ExtractError(f"PDF is damaged and cannot be read: {_reason(exc)}") from exc
    return pages


def _open_error(exc: BaseException) -> ExtractError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if isinstance(exc, PDFPasswordIncorrect):
        return ExtractError("PDF is encrypted with a password; its text cannot be read")
    if isinstance(exc, PDFEncryptionError):
        return ExtractError(f"PDF is encrypted in a way that cannot be read: {_reason(exc)}")
    return ExtractError(f"PDF is damaged and cannot be read: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _check_page_count(pdf: Any) -> None:
    """Refuse page counts no policy has, before parsing a single page."""
    from pdfminer.pdftypes import resolve1

    try:
        count = int(resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"]))
    except Exception:
        return  # no reliable count: the deadline still bounds the work
    if count > MAX_PAGES:
        raise ExtractError(
            f"PDF has {count:,} pages, over the {MAX_PAGES:,}-page limit for one policy document"
        )


def _page_lines(page: Any) -> list[Line]:
    """Printed lines and ruled tables of one page, top to bottom."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside_tables(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    body = page.filter(outside_tables) if boxes else page
    words = body.extract_words(extra_attrs=["size", "fontname"], x_tolerance=1.5, y_tolerance=3)
    lines = _group_lines(words)
    lines += [_table_line(t) for t in tables]
    lines = [line for line in lines if line.text.strip() or line.table_rows]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _table_line(table: Any) -> Line:
    rows: list[str] = []
    for row in table.extract():
        cells = [" ".join((cell or "").split()) for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            rows.append("\t".join(cells).translate(_LIGATURES))
    x0, top, x1, bottom = table.bbox
    return Line(
        top=top,
        bottom=bottom,
        segments=[Segment(x0, x1, top, bottom, " ".join(rows))],
        kind="table",
        table_rows=rows,
    )


def _group_lines(words: list[dict[str, Any]]) -> list[Line]:
    """Words → printed lines (same baseline), split into segments at wide gaps."""
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["bottom"], w["x0"])):
        if rows and abs(word["bottom"] - rows[-1][-1]["bottom"]) <= 2.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [_make_line(sorted(row, key=lambda w: w["x0"])) for row in rows]


def _make_line(words: list[dict[str, Any]]) -> Line:
    gaps = [b["x0"] - a["x1"] for a, b in zip(words, words[1:], strict=False)]
    # Justified text stretches every space of a line alike; a cell or column
    # boundary is a gap over ~1.2 em that is also far wider than the line's
    # narrowest space.
    narrowest = min(gaps) if len(gaps) > 1 else 0.0
    groups: list[list[dict[str, Any]]] = [[words[0]]]
    for word, gap in zip(words[1:], gaps, strict=True):
        if gap <= max(1.2 * float(word["size"]), 2.5 * narrowest):
            groups[-1].append(word)
        else:
            groups.append([word])
    return Line(
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        segments=[_segment(group) for group in groups],
    )


def _segment(words: list[dict[str, Any]]) -> Segment:
    sizes: Counter[float] = Counter()
    for w in words:
        sizes[round(float(w["size"]), 1)] += len(w["text"])
    return Segment(
        x0=words[0]["x0"],
        x1=words[-1]["x1"],
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        text=" ".join(w["text"] for w in words).translate(_LIGATURES),
        size=sizes.most_common(1)[0][0],
        bold=all(_BOLD_FONT.search(w["fontname"] or "") for w in words),
    )


# --------------------------------------------------------------------------- furniture


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _furniture_key(line: Line) -> str:
    """Text with digits normalised, and the type size: a header is set the same way
    on every page, so body text that happens to repeat it is not mistaken for it."""
    return f"{line.size:.0f}|{_norm(line.text)}"


def _zone_lines(page: PageText) -> tuple[list[Line], list[Line]]:
    """Candidate header lines (top of page) and footer lines (bottom of page)."""
    text_lines = [line for line in page.lines if line.kind == "text"]
    top = [ln for ln in text_lines[:FURNITURE_LINES] if ln.bottom <= page.height * FURNITURE_ZONE]
    bottom = [
        ln for ln in text_lines[-FURNITURE_LINES:] if ln.top >= page.height * (1 - FURNITURE_ZONE)
    ]
    return top, bottom


def _remove_furniture(pages: list[PageText]) -> None:
    """Drop running headers/footers and page numbers, keeping one copy of each block."""
    zones = [_zone_lines(page) for page in pages]
    header = _repeated([top for top, _ in zones], len(pages))
    footer = _repeated([bottom for _, bottom in zones], len(pages))
    # One copy stays where it interrupts nothing: the header atop the first page
    # (plans print the policy number and dates there), the footer under the last.
    last = len(pages) - 1
    first_with_header = 0 if _hits(zones[0][0], header) else -1
    last_with_footer = last if _hits(zones[last][1], footer) else -1
    for index, (page, (top, bottom)) in enumerate(zip(pages, zones, strict=True)):
        drop: set[int] = set()
        for line in top:
            if _furniture_key(line) in header and index != first_with_header:
                drop.add(id(line))
        for line in bottom:
            if _furniture_key(line) in footer and index != last_with_footer:
                drop.add(id(line))
        for line in top[:2] + bottom[-2:]:
            _strip_page_number(line)
            if not line.segments:
                drop.add(id(line))
        page.lines = [line for line in page.lines if id(line) not in drop]


def _repeated(zone_lines: Sequence[Iterable[Line]], page_count: int) -> set[str]:
    """Normalised lines that recur in the same zone on at least half of the pages."""
    if page_count < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in zone_lines:
        seen.update({_furniture_key(ln) for ln in lines})
    need = max(2, (page_count + 1) // 2)
    return {text for text, n in seen.items() if n >= need and not text.endswith("|")}


def _hits(lines: Iterable[Line], furniture: set[str]) -> bool:
    return any(_furniture_key(line) in furniture for line in lines)


def _strip_page_number(line: Line) -> None:
    line.segments = [s for s in line.segments if not _PAGE_NUMBER.match(s.text)]


# --------------------------------------------------------------------------- layout


def _find_gutter(lines: list[Line], width: float) -> float | None:
    """x of a column gutter: a vertical strip no line crosses, with full text on both sides."""
    text_lines = [ln for ln in lines if ln.kind == "text"]
    if len(text_lines) < 10:
        return None
    best: tuple[int, float] | None = None
    run: list[float] = []
    for x in _frange(width * 0.3, width * 0.7, 2.0):
        if _is_gutter(text_lines, x):
            run.append(x)
            continue
        best = _wider(best, run)
        run = []
    best = _wider(best, run)
    return best[1] if best else None


def _frange(start: float, stop: float, step: float) -> Iterable[float]:
    x = start
    while x <= stop:
        yield x
        x += step


def _wider(best: tuple[int, float] | None, run: list[float]) -> tuple[int, float] | None:
    if len(run) >= 3 and (best is None or len(run) > best[0]):  # at least ~6 pt wide
        return len(run), (run[0] + run[-1]) / 2
    return best


def _is_gutter(lines: list[Line], x: float) -> bool:
    crossing = 0
    left: list[float] = []
    right: list[float] = []
    for line in lines:
        if any(s.x0 - 2 <= x <= s.x1 + 2 for s in line.segments):
            crossing += 1
            continue
        lw = sum(s.x1 - s.x0 for s in line.segments if s.x1 < x)
        rw = sum(s.x1 - s.x0 for s in line.segments if s.x0 > x)
        if lw:
            left.append(lw)
        if rw:
            right.append(rw)
    if crossing > max(1, len(lines) // 20) or len(left) < 5 or len(right) < 5:
        return False
    # Columns of running text fill their width; table cells and page numbers do not.
    left_span = x - min(ln.x0 for ln in lines)
    right_span = max(ln.x1 for ln in lines) - x
    return statistics.median(left) >= 0.5 * left_span and statistics.median(right) >= (
        0.5 * right_span
    )


def _reading_order(lines: list[Line], gutter: float | None) -> list[Line]:
    """Lines in reading order: in a two-column band, the left column, then the right."""
    if gutter is None:
        return lines
    ordered: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for line in lines:
        if any(s.x0 < gutter < s.x1 for s in line.segments):  # spans both columns
            ordered += left + right + [line]
            left, right = [], []
            continue
        lsegs = [s for s in line.segments if s.x1 <= gutter]
        rsegs = [s for s in line.segments if s.x0 >= gutter]
        if lsegs:
            left.append(_part(line, lsegs))
        if rsegs:
            right.append(_part(line, rsegs))
    return ordered + left + right


def _part(line: Line, segments: list[Segment]) -> Line:
    if len(segments) == len(line.segments):
        return line
    top = min(s.top for s in segments)
    bottom = max(s.bottom for s in segments)
    return Line(top, bottom, segments, line.kind, line.table_rows)


# --------------------------------------------------------------------------- rendering


def _body_font_size(pages: list[PageText]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            if line.kind == "text":
                sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _is_heading(line: Line, body_size: float) -> bool:
    if line.kind != "text" or len(line.text) > 200 or not re.search(r"[^\W\d_]", line.text):
        return False
    return line.size >= body_size * 1.15 or (line.bold and line.size >= body_size * 0.95)


def _heading_levels(pages: list[PageText], body_size: float) -> dict[float, int]:
    """Heading font size → markdown level: the largest size is level 1."""
    sizes = {line.size for page in pages for line in page.lines if _is_heading(line, body_size)}
    return {size: min(6, rank + 1) for rank, size in enumerate(sorted(sizes, reverse=True))}


def _line_gap(pages: list[list[Line]], body_size: float) -> float:
    """The usual white space between two lines of one paragraph, in the whole document."""
    gaps: Counter[float] = Counter()
    for lines in pages:
        for a, b in zip(lines, lines[1:], strict=False):
            gap = b.top - a.bottom
            if a.kind == b.kind == "text" and a.size == b.size == body_size and gap >= 0:
                gaps[round(gap * 2) / 2] += 1
    return gaps.most_common(1)[0][0] if gaps else body_size * 0.3


def _render_page(
    lines: list[Line],
    out: list[str],
    body_size: float,
    line_gap: float,
    levels: dict[float, int],
) -> None:
    """Append one page's lines to ``out``; "" marks a paragraph break."""
    bullet_x = _bullet_indents(lines)
    edges = _justified_edges(lines)
    previous: Line | None = None
    heading: tuple[float, str] | None = None  # wrapped headings are joined
    for line in lines:
        is_heading = _is_heading(line, body_size)
        if heading and not (is_heading and line.size == heading[0]):
            out += ["", "#" * levels.get(heading[0], 6) + " " + heading[1], ""]
            heading = None
        if previous is not None and _starts_paragraph(previous, line, line_gap, body_size):
            out.append("")
        if line.kind == "table":
            out += [part for row in line.table_rows for part in ("", row)] + [""]
        elif is_heading:
            text = " ".join(line.text.split())
            heading = (line.size, f"{heading[1]} {text}" if heading else text)
        elif len(line.segments) > 1 and not _at_edge(line, edges):
            out += ["", line.text, ""]  # a table row of a borderless table
        elif previous is not None and out and _url_cut(out[-1], previous, line, lines):
            out[-1], rest = _rejoin_url(out[-1], line.text)
            if rest:
                out.append(rest)
        else:
            out.append(_bullet(" ".join(s.text for s in line.segments), line.x0, bullet_x))
        previous = line
    if heading:
        out += ["", "#" * levels.get(heading[0], 6) + " " + heading[1], ""]


def _url_cut(text: str, previous: Line, line: Line, lines: list[Line]) -> bool:
    """A URL too long for the line, broken mid-token where the line ran out of room."""
    if previous.kind != "text" or not re.search(r"https?://\S+$", text):
        return False
    column = [ln.x1 for ln in lines if ln.kind == "text" and abs(ln.x0 - previous.x0) < 20]
    return previous.x1 >= max(column) - 2 * previous.size and line.top > previous.top


def _rejoin_url(head: str, text: str) -> tuple[str, str]:
    token, _, rest = text.partition(" ")
    return head + token, rest


def _starts_paragraph(previous: Line, line: Line, line_gap: float, size: float) -> bool:
    gap = line.top - previous.bottom
    if gap < -size:  # column change: the text flows on
        return False
    return gap > line_gap + 0.4 * size


def _bullet_indents(lines: list[Line]) -> list[float]:
    """Distinct x positions of bullets on the page: their rank is the nesting level."""
    return sorted({round(ln.x0 / 4) * 4 for ln in lines if ln.text[:1] in _BULLETS})


def _justified_edges(lines: list[Line]) -> set[int]:
    """Right edges that many full lines end on: the page (or a column) is justified."""
    ends = Counter(
        round(ln.x1)
        for ln in lines
        if ln.kind == "text" and len(ln.segments) == 1 and len(ln.text.split()) >= 4
    )
    need = max(5, len(lines) // 5)
    return {x for x, n in ends.items() if n + ends[x - 1] + ends[x + 1] >= need}


def _at_edge(line: Line, edges: set[int]) -> bool:
    """A justified line stretched so wide that a space looks like a cell gap."""
    return any(abs(line.x1 - edge) <= 1.5 for edge in edges)


def _bullet(text: str, x0: float, indents: list[float]) -> str:
    if text[:1] not in _BULLETS or not text[1:2].isspace():
        return text
    x = round(x0 / 4) * 4
    level = indents.index(x) if x in indents else 0
    return "  " * level + "- " + text[1:].lstrip()


def _finish(out: list[str]) -> str:
    """Join hyphenated breaks, squeeze blank lines."""
    result: list[str] = []
    for text in _join_hyphenated(out):
        text = text.rstrip()
        if not text and (not result or not result[-1]):
            continue
        result.append(text)
    return "\n".join(result).strip() + "\n"


def _join_hyphenated(lines: list[str]) -> list[str]:
    """Join "treat-" / "ment" across a line (or page) break.

    The hyphen stays when the document spells the word with it elsewhere
    ("non-" / "randomised" where "non-randomised" occurs), so compound words
    survive.
    """
    vocabulary = Counter(re.findall(r"[^\W\d_]+-[^\W\d_]+", "\n".join(lines).lower()))
    result: list[str] = []
    for text in lines:
        head = result[-1] if result else ""
        stem = re.search(r"([^\W\d_]{2,})-$", head)
        first = re.match(r"\s*([a-z][^\W\d_]*)(\S*)", text)
        if not (stem and first):
            result.append(text)
            continue
        # The hyphen counts as seen only if it occurs somewhere other than here.
        compound = f"{stem.group(1)}-{first.group(1)}".lower()
        keep = vocabulary[compound] > 0
        result[-1] = (head if keep else head[:-1]) + first.group(1) + first.group(2)
        rest = text[first.end() :].strip()
        if rest:
            result.append(rest)
    return result

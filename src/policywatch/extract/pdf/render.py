"""Lines in reading order → the line-oriented text the shared cleaner reads.

One text line per printed line (paragraphs stay hard-wrapped; the cleaner
un-wraps them), a blank line where the vertical gap is larger than the line
spacing, ``# Heading`` lines for larger or bold lines, table rows with
TAB-separated cells as blocks of their own, label/value cells as
``Label: value`` lines, and words hyphenated across a line break joined.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from policywatch.extract.pdf.layout import Line, PageText
from policywatch.extract.pdf.reader import BULLET_GLYPHS

# Dot leaders between a label and its value ("Effective Date ....... 01/01/2026").
LEADER = re.compile(r"\.{4,}|…{2,}|(?:…\.){2,}|(?:\.…){2,}")
_LETTER = re.compile(r"[^\W\d_]")
_INDENT = 20.0  # points: a first-line or hanging indent
_ENUMERATED = re.compile(r"^\(?(?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,6})[.)]\s")
_LABEL_CELL = re.compile(r"^[^\W\d][^:]{0,40}:$")


def body_font_size(pages: list[PageText]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            if line.kind == "text":
                sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def is_heading(line: Line, body_size: float, continuing: bool = False) -> bool:
    """A heading line; ``continuing``: one may go on from the line above (a wrapped
    heading's next line may start in lower case)."""
    if line.kind != "text" or len(line.segments) > 1:
        return False  # a table row
    size = line.size
    if not (size >= body_size * 1.15 or (line.bold and size >= body_size * 0.95)):
        return False
    text = line.text
    if len(text) > 200 or not _LETTER.search(text) or LEADER.search(text):
        return False  # no words, or a dot-leader field or contents entry
    # Lower case first: the end of a sentence set in bold, not a title.
    return continuing or not next((ch for ch in text if ch.isalpha()), "A").islower()


def heading_levels(pages: list[list[Line]], body_size: float) -> dict[float, int]:
    """Heading font size → markdown level: the largest size is level 1."""
    sizes = {line.size for lines in pages for line in lines if is_heading(line, body_size)}
    return {size: min(6, rank + 1) for rank, size in enumerate(sorted(sizes, reverse=True))}


def line_gap(pages: list[list[Line]], body_size: float) -> float:
    """The usual white space between two lines of one paragraph, in the whole document."""
    gaps: Counter[float] = Counter()
    for lines in pages:
        for a, b in zip(lines, lines[1:], strict=False):
            gap = b.top - a.bottom
            if a.kind == b.kind == "text" and a.size == b.size == body_size and gap >= 0:
                gaps[round(gap * 2) / 2] += 1
    return gaps.most_common(1)[0][0] if gaps else body_size * 0.3


@dataclass
class Carry:
    """The last line of running text a page ended on, while it may go on overleaf."""

    line: Line | None = None
    right: float = 0.0  # the right edge of its column's full lines


def render_page(
    lines: list[Line],
    out: list[str],
    body_size: float,
    gap: float,
    levels: dict[float, int],
    carry: Carry | None = None,
) -> None:
    """Append one page's lines to ``out``; "" marks a paragraph break. ``carry`` links
    pages: a sentence wrapped off the previous page's last full line goes on here."""
    carry = carry or Carry()
    lines = [part for line in lines for part in _split_mixed_sizes(line)]
    bullet_x = _bullet_indents(lines)
    edges = _justified_edges(lines)
    measures = _measures(lines)
    previous: Line | None = None
    heading: tuple[float, str] | None = None  # wrapped headings are joined
    flowing = False  # out[-1] is the previous printed line, as running text
    for line in lines:
        heading_line = is_heading(line, body_size, continuing=heading is not None)
        if heading_line and flowing and line.size < 1.15 * body_size:
            heading_line = not _sentence_runs_on(previous, line, out[-1], measures)
        if heading and not (
            heading_line
            and line.size == heading[0]
            and _heading_goes_on(heading[1], line, previous, gap, body_size)
        ):
            out += ["", "#" * levels.get(heading[0], 6) + " " + heading[1], ""]
            heading = None
        if previous is not None and _starts_paragraph(previous, line, gap, body_size):
            out.append("")
        if line.kind == "table":
            out += [part for row in line.table_rows for part in ("", *_row_lines(row))] + [""]
        elif heading_line:
            text = " ".join(line.text.split())
            heading = (line.size, f"{heading[1]} {text}" if heading else text)
        elif len(line.segments) > 1 and not _at_edge(line, edges):
            out += ["", *_row_lines(line.text), ""]  # a row of a borderless table
        elif LEADER.search(line.text):
            out += ["", line.text, ""]  # a dot-leader field is a block of its own
        elif previous is not None and out and _url_cut(out[-1], previous, line, lines):
            out[-1], rest = _rejoin_url(out[-1], line.text)
            if rest:
                out.append(rest)
        else:
            text = _bullet(" ".join(s.text for s in line.segments), line.x0, bullet_x)
            goes_on = (
                _overleaf(carry, line, text, out)
                if previous is None
                else flowing and bool(out[-1]) and _wrapped(previous, line, text, out[-1], measures)
            )
            if goes_on:
                out[-1] += " " + text
            else:
                out.append(text)
            previous, flowing = line, True
            continue
        previous, flowing = line, False
    carry.line = previous if flowing else None
    if previous is not None:
        carry.right = _right_edge(previous, measures)
    if heading:
        out += ["", "#" * levels.get(heading[0], 6) + " " + heading[1], ""]


def _sentence_runs_on(
    previous: Line | None, line: Line, before: str, measures: list[tuple[float, float]]
) -> bool:
    """Bold words a sentence wraps onto, off a full line above it with no stop at its end
    and set close under it (a heading has white space above): no heading."""
    if previous is None or before.rstrip().endswith((".", ":", ";", "?", "!")):
        return False
    if line.top - previous.bottom > 0.5 * line.size:
        return False
    return _wrapped(previous, line, line.text, before, measures)


def _heading_goes_on(
    heading: str, line: Line, previous: Line | None, gap: float, body_size: float
) -> bool:
    """``line`` wraps the heading above it: no sentence end or colon closed that one, it
    opens no item of its own ("B. Asthma"), and no paragraph's white space parts them."""
    if heading.rstrip().endswith((".", ":", ";", "?", "!")):
        return False
    if _ENUMERATED.match(line.text.lstrip()):
        return False
    return previous is None or not _starts_paragraph(previous, line, gap, body_size)


def _split_mixed_sizes(line: Line) -> list[Line]:
    """A heading and a field printed on one baseline ("Drug Coverage Policy" left,
    "Next Review Date … 01/01/2027" right) are two lines, not two cells."""
    if line.kind != "text" or len(line.segments) < 2:
        return [line]
    sizes = [s.size for s in line.segments]
    if max(sizes) < 1.15 * min(sizes):
        return [line]
    return [Line(s.top, s.bottom, [s]) for s in line.segments]


def _measures(lines: list[Line]) -> list[tuple[float, float]]:
    """(x0, x1) of the page's full lines of running text: the measure text is set to."""
    return [
        (ln.x0, ln.x1)
        for ln in lines
        if ln.kind == "text" and len(ln.segments) == 1 and ln.text.count(" ") >= 4
    ]


def _wrapped(
    previous: Line | None, line: Line, text: str, before: str, measures: list[tuple[float, float]]
) -> bool:
    """Was ``line`` wrapped off the end of ``previous`` — that line full to its column's
    right edge, so the next word could not fit? List items and hyphen breaks excepted
    (the cleaner and the hyphen joiner see those)."""
    if previous is None or line.top <= previous.top or before.endswith("-"):
        return False
    if line.x0 > previous.x0 + 4 * line.size:
        return False  # set in far beyond a hanging indent (centred, a cell): no run-on
    if text.lstrip().startswith("- ") or _ENUMERATED.match(text):
        return False
    return _full(previous, _right_edge(previous, measures), text, line.size)


def _overleaf(carry: Carry, line: Line, text: str, out: list[str]) -> bool:
    """The page's first line goes on with the sentence the previous page's full last
    line left open."""
    last = carry.line
    if last is None or not out or not out[-1] or out[-1].endswith("-"):
        return False
    if text.lstrip().startswith("- ") or _ENUMERATED.match(text):
        return False
    return _full(last, carry.right, text, line.size)


def _right_edge(line: Line, measures: list[tuple[float, float]]) -> float:
    # The column's measure: full lines that start where this one does (give or take an
    # indent); lines of the other column, or across the page, set a different one.
    x = line.x0
    return max((x1 for x0, x1 in measures if x - _INDENT <= x0 <= x + _INDENT), default=0)


def _full(line: Line, right: float, following: str, size: float) -> bool:
    """No room left on ``line`` for the first word of what follows it."""
    if right <= 0:
        return False  # no full line to measure the column by
    first_word = following.split(" ", 1)[0]
    return right - line.x1 < (len(first_word) + 1) * 0.5 * size


def _row_lines(row: str) -> list[str]:
    """A row of label/value pairs ("Section: | Drugs | Effective Date: | April 1, 2025")
    reads as one ``Label: value`` line per pair; any other row stays one TAB row."""
    if _field_beside_other(row):
        return row.split("\t")
    cells = [part for cell in row.split("\t") for part in _label_and_value(cell)]
    labels = cells[0::2]
    values = cells[1::2]
    if len(cells) < 2 or not all(_LABEL_CELL.match(c) for c in labels):
        return [row]
    if any(_LABEL_CELL.match(v) for v in values):
        return [row]
    lines = [f"{label} {value}" for label, value in zip(labels, values, strict=False)]
    return lines + [f"{labels[-1]}"] * (len(labels) > len(values))


def _field_beside_other(row: str) -> bool:
    """A header field ("Reference Number: CP.VP.26") with unlabelled text on its baseline
    (a contents link at the right margin): each is a line of its own, not a table row."""
    first, *others = row.split("\t")
    return bool(others) and len(_label_and_value(first)) == 2 and not any(":" in c for c in others)


def _label_and_value(cell: str) -> list[str]:
    """ "Subsection: Antineoplastic Agents" set as one cell → its label and its value."""
    label, colon, value = cell.partition(": ")
    if colon and value and _LABEL_CELL.match(label + ":"):
        return [label + ":", value]
    return [cell]


def _url_cut(text: str, previous: Line, line: Line, lines: list[Line]) -> bool:
    """A URL too long for the line, broken mid-token where the line ran out of room."""
    if previous.kind != "text" or not re.search(r"https?://\S+$", text):
        return False
    column = [ln.x1 for ln in lines if ln.kind == "text" and abs(ln.x0 - previous.x0) < 20]
    return previous.x1 >= max(column) - 2 * previous.size and line.top > previous.top


def _rejoin_url(head: str, text: str) -> tuple[str, str]:
    token, _, rest = text.partition(" ")
    return head + token, rest


def _starts_paragraph(previous: Line, line: Line, gap: float, size: float) -> bool:
    white = line.top - previous.bottom
    if white < -size:  # column change: the text flows on
        return False
    return white > gap + 0.4 * size


def _bullet_indents(lines: list[Line]) -> list[float]:
    """Distinct x positions of bullets on the page: their rank is the nesting level."""
    return sorted({round(ln.x0 / 4) * 4 for ln in lines if _is_bullet_line(ln.text)})


def _is_bullet_line(text: str) -> bool:
    marker, _, rest = text.partition(" ")
    return bool(rest) and (marker in BULLET_GLYPHS and marker not in "-*" or marker == "o")


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
    if not _is_bullet_line(text):
        return text
    x = round(x0 / 4) * 4
    level = indents.index(x) if x in indents else 0
    return "  " * level + "- " + text[1:].lstrip()


def finish(out: list[str]) -> str:
    """Join hyphenated breaks, squeeze blank lines."""
    result: list[str] = []
    for text in join_hyphenated(out):
        text = text.rstrip()
        if not text and (not result or not result[-1]):
            continue
        result.append(text)
    return "\n".join(result).strip() + "\n"


_HYPHEN_BREAK = re.compile(r"([^\W\d_]{2,})-$")
_FIRST_WORD = re.compile(r"\s*([a-z][^\W\d_]*)(\S*)")


def _spelled(compound: str, text: str) -> bool:
    """Does ``text`` spell ``compound`` ("non-randomised") as a word of its own?"""
    at = text.find(compound)
    while at >= 0:
        end = at + len(compound)
        if not (_is_letter(text[at - 1 : at]) or _is_letter(text[end : end + 1])):
            return True
        at = text.find(compound, at + 1)
    return False


def _is_letter(char: str) -> bool:
    return char.isalpha()


def join_hyphenated(lines: list[str]) -> list[str]:
    """Join "treat-" / "ment" across a line (or page) break.

    The hyphen stays when the document spells the word with it elsewhere
    ("non-" / "randomised" where "non-randomised" occurs), so compound words
    survive.
    """
    lowered: str | None = None  # the whole text, read only if a line ends in a hyphen
    result: list[str] = []
    for text in lines:
        head = result[-1] if result else ""
        stem = _HYPHEN_BREAK.search(head[-64:]) if head.endswith("-") else None
        first = _FIRST_WORD.match(text) if stem else None
        if not (stem and first):
            result.append(text)
            continue
        if lowered is None:
            lowered = "\n".join(lines).lower()
        # The hyphen counts as seen only if it occurs somewhere other than here.
        compound = f"{stem.group(1)}-{first.group(1)}".lower()
        keep = _spelled(compound, lowered)
        result[-1] = (head if keep else head[:-1]) + first.group(1) + first.group(2)
        rest = text[first.end() :].strip()
        if rest:
            result.append(rest)
    return result

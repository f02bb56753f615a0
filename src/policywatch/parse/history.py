"""Policy history: dated rows, however the document lays them out.

Table rows (the text had TABs between cells) carry the date in some cell:
first ("Date | Action"), second (a revision log with "Date | Approval Date")
or last ("Type of Revision | Summary of Changes | Review Date"); the other text
cells are the action. Prose rows start with a date (``06/13/2007``,
``11/2020``, ``01012024``, ``January 2026:``, ``10/2024 - …``). A row or line
without a date continues the entry above (a wrapped cell or sentence); a row
dated ``11/2011-`` / ``4/2012`` is one entry spanning both dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policywatch.model import HistoryEntry
from policywatch.parse.dates import match_date
from policywatch.parse.doc import Doc, Line
from policywatch.parse.vocabulary import vocabulary

_LABEL_VALUE = re.compile(r"^[A-Z][^:]{1,40}:\s+\S")
_ROW_DATE = re.compile(
    r"^(?:\d{1,2}/(?:\d{1,2}/)?\d{4}|\d{8}|\d{4}-\d{2}(?:-\d{2})?"
    r"|[A-Z][a-z]+\.? (?:\d{1,2}, )?\d{4})"
)
_RANGE_REST = re.compile(r"^[-–]\s*(?P<end>\S.*)$")
_TERMINAL = (".", ";", "!", "?")
# Lines a history may put before its first row: a caption, header rows (a
# header cell can wrap onto a second row). More means this is not the table.
_MAX_PREAMBLE = 3
_MAX_CAPTION_WORDS = 6
_OTHER_KINDS = ("references", "coverage")


def parse_history(doc: Doc) -> list[HistoryEntry]:
    """The first history section that has dated rows (one history per document)."""
    for start in _history_starts(doc):
        entries = _Reader(doc).read(start + 1)
        if entries:
            return entries
    return []


def _history_starts(doc: Doc) -> list[int]:
    """History headings, and history captions the layout did not mark as headings
    (a short "Change Control" line right above the table's first dated row)."""
    starts = {start for start, _ in doc.sections_of("history")}
    for index in range(len(doc.lines) - 1):
        if _is_caption(doc.lines[index]) and _dated(doc.lines[index + 1], None):
            starts.add(index)
    return sorted(starts)


def _is_caption(line: Line) -> bool:
    text = line.text
    if line.heading or line.cells or len(text.split()) > _MAX_CAPTION_WORDS:
        return False
    return not text.endswith(_TERMINAL) and vocabulary().heading_is("history", text)


@dataclass
class _Row:
    date: str
    action: str
    end_date: str | None = None
    column: int | None = None  # the date's cell in a table row; None for prose
    open_range: bool = False  # prose "11/2011-": the next dated line ends the span


@dataclass
class _Reader:
    """Walks the lines after a history heading; one instance per section."""

    doc: Doc
    entries: list[HistoryEntry] = field(default_factory=list)
    column: int | None = None  # the table's date column, once a row shows it
    headers: set[str] = field(default_factory=set)  # header rows, skipped when repeated
    open_range: bool = False

    def read(self, start: int) -> list[HistoryEntry]:
        preamble = 0
        for line in self.doc.lines[start:]:
            row = _dated(line, self.column)
            if row:
                self._add(row)
            elif not self.entries:
                preamble += 1
                if preamble > _MAX_PREAMBLE or _other_section(line):
                    break
                self.headers.add(line.text)
            elif line.text in self.headers:
                continue  # the table's header repeated on a new page
            elif self._ends(line):
                break
            else:
                self._continue(line)
        return self.entries

    def _add(self, row: _Row) -> None:
        last = self.entries[-1] if self.entries else None
        if self.open_range and last and not last.action:
            last.end_date, last.action = row.date, row.action
        else:
            self.entries.append(HistoryEntry(row.date, row.action, row.end_date))
        if row.column is not None and self.column is None:
            self.column = row.column
        self.open_range = row.open_range

    def _ends(self, line: Line) -> bool:
        if line.cells:
            return line.heading and not self._wrapped(line)
        if line.heading:
            return True
        # "Original Effective Date: …" after the rows: the page's header fields
        return _LABEL_VALUE.match(line.text) is not None and bool(self.entries[-1].action)

    def _wrapped(self, line: Line) -> bool:
        """A table row whose date cell is empty: the cells above, wrapped."""
        column = self.column
        return column is not None and column < len(line.cells) and not line.cells[column].strip()

    def _continue(self, line: Line) -> None:
        last = self.entries[-1]
        text = line.text.removeprefix("- ")
        last.action = f"{last.action} {text}".strip()
        self.open_range = False


def _other_section(line: Line) -> bool:
    vocab = vocabulary()
    return line.heading and any(vocab.heading_is(kind, line.text) for kind in _OTHER_KINDS)


def _dated(line: Line, column: int | None) -> _Row | None:
    """The row this line opens, if it gives a date: in a cell, or at its start."""
    if line.cells:
        row = _table_row(line.cells, column)
        if row:
            return row
    return _prose_row(line.text.removeprefix("- "))


def _table_row(cells: tuple[str, ...], column: int | None) -> _Row | None:
    """A row with a cell that is only a date: that cell dates it, the other text
    cells (other dates aside, such as an approval date) are its action."""
    dates = {index: _cell_date(cell) for index, cell in enumerate(cells)}
    dated = [index for index, found in dates.items() if found]
    if not dated:
        return _date_led_cell(cells, column)
    at = column if column in dated else dated[0]
    date, end_date = dates[at] or ("", None)
    action = " ".join(cell.strip() for i, cell in enumerate(cells) if i not in dated)
    return _Row(date, " ".join(action.split()), end_date, column=at)


def _date_led_cell(cells: tuple[str, ...], column: int | None) -> _Row | None:
    """The date column's cell opens with the date and goes on with text: the
    action's wrapped line, run into the date cell by extraction."""
    if column is None or column >= len(cells):
        return None
    row = _prose_row(cells[column].strip())
    if not row:
        return None
    others = [cell.strip() for i, cell in enumerate(cells) if i != column]
    row.action = " ".join(" ".join([*others, row.action]).split())
    row.column, row.open_range = column, False
    return row


def _cell_date(cell: str) -> tuple[str, str | None] | None:
    """(date, end date) when the whole cell is a date or a span of two dates."""
    text = cell.strip().rstrip(".:")
    opening = _leading_date(text)
    if not opening:
        return None
    date, rest = opening
    if not rest:
        return date, None
    span = _RANGE_REST.match(rest)
    if not span:
        return None  # a date opening a sentence: the row reads as prose
    end = match_date(span.group("end"))
    return (date, end[0]) if end and end[1] == len(span.group("end")) else None


def _leading_date(text: str) -> tuple[str, str] | None:
    """(date, the text after it) when ``text`` opens with a row date."""
    found = match_date(text) if _ROW_DATE.match(text) else None
    if not found:
        return None
    date, used = found
    return date, text[used:].strip()


def _prose_row(text: str) -> _Row | None:
    opening = _leading_date(text)
    if not opening:
        return None
    date, rest = opening
    dash_only = rest in ("-", "–")
    rest = "" if dash_only else re.sub(r"^[:\-–]\s*", "", rest)
    return _Row(date, rest, open_range=rest == "" or text.rstrip().endswith("-"))

"""Policy history: dated rows, however the document lays them out.

Rows start with a date (``06/13/2007``, ``11/2020``, ``01012024``,
``January 2026:``); lines without a date continue the row above; a row dated
``11/2011-`` / ``4/2012`` is one entry spanning both dates.
"""

from __future__ import annotations

import re

from policywatch.model import HistoryEntry
from policywatch.parse.dates import match_date
from policywatch.parse.document import Doc

_LABEL_VALUE = re.compile(r"^[A-Z][^:]{1,40}:\s+\S")
_ROW_DATE = re.compile(
    r"^(?:\d{1,2}/(?:\d{1,2}/)?\d{4}|\d{8}|\d{4}-\d{2}(?:-\d{2})?"
    r"|[A-Z][a-z]+\.? (?:\d{1,2}, )?\d{4})"
)


def parse_history(doc: Doc) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    for start, _ in doc.sections_of("history"):
        if start + 1 < len(doc.lines) and not _in_earlier(entries):
            entries.extend(_rows(doc, start + 1))
    return entries


def _in_earlier(entries: list[HistoryEntry]) -> bool:
    return bool(entries)  # one history per document: the first that has rows


def _rows(doc: Doc, start: int) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    open_range = False
    for line in doc.lines[start:]:
        text = line.text.removeprefix("- ")
        dated = _row_date(text)
        if dated:
            date, rest = dated
            if open_range and entries and not entries[-1].action:
                entries[-1].end_date = date
                entries[-1].action = rest
            else:
                entries.append(HistoryEntry(date=date, action=rest))
            open_range = rest in ("", "-") or text.rstrip().endswith("-")
            if rest == "-":
                entries[-1].action = ""
            continue
        if line.heading and entries:
            break
        if line.heading or not entries:
            continue
        if _LABEL_VALUE.match(text) and entries[-1].action:
            break
        last = entries[-1]
        last.action = f"{last.action} {text}".strip()
        open_range = False
    return entries


def _row_date(text: str) -> tuple[str, str] | None:
    if not _ROW_DATE.match(text):
        return None
    found = match_date(text)
    if not found:
        return None
    date, used = found
    rest = text[used:].strip()
    rest = re.sub(r"^[:\-–]\s*", "", rest) if rest not in ("-", "–") else "-"
    return date, rest

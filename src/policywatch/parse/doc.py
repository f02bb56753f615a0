"""Clean text → a :class:`Doc`: its lines (headings marked, table cells kept) and sections.

The one structure every field parser reads. It imports only the vocabulary (which
headings name which kind of section); the field parsers import it, never the
reverse, and :mod:`policywatch.parse.build` puts the Policy together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policywatch.extract import Extracted
from policywatch.parse.vocabulary import vocabulary

_TERMINAL = (".", ";", ",", "?", "!", '"', "”")
_LABEL_VALUE = re.compile(r"^[^:]{2,60}:\s+\S")
_LIST_ITEM = re.compile(r"^(?:- |\d{1,3}(?:\.\d{1,3})*[.)]? |[A-Za-z][.)] )")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]")
# Billing codes, long numbers and decimals mark table rows, never headings.
_CODE_LIKE = re.compile(r"\b\d{5,}\b|\b[A-Z]\d{2}\.\d|\d[.,]\d")
_TABLE_ROW = re.compile(r"^(?:- )?(?:\d{1,2}/\d{1,2}|\d{5}|(?:CPT|HCPCS|ICD-?\d+)\b)")
_SECTION_NUMBER = re.compile(r"^\d(?:\.\d{1,2})*\.?\s+")  # "2.3 Efficacy", not "50.29 …"


@dataclass
class Line:
    text: str  # cells joined by single spaces, as prose reads them
    heading: bool
    cells: tuple[str, ...] = ()  # a table row's cells (the text had TABs), else empty


@dataclass
class Doc:
    lines: list[Line]
    furniture: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    def section_spans(self) -> list[tuple[int, int]]:
        """(heading index, end) for every heading: its body is heading+1 … end."""
        heads = [i for i, line in enumerate(self.lines) if line.heading]
        ends = heads[1:] + [len(self.lines)] if heads else []
        return list(zip(heads, ends, strict=True))

    def sections_of(self, kind: str) -> list[tuple[int, int]]:
        """Spans of the sections whose heading the vocabulary calls ``kind``."""
        vocab = vocabulary()
        return [
            (start, end)
            for start, end in self.section_spans()
            if vocab.heading_is(kind, self.lines[start].text)
        ]

    def find_sections(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        return [
            (start, end)
            for start, end in self.section_spans()
            if pattern.search(self.lines[start].text)
        ]


def make_doc(extracted: Extracted) -> Doc:
    raw = [line for line in extracted.text.split("\n") if line.strip()]
    lines: list[Line] = []
    for index, text in enumerate(raw):
        marked = text.startswith("# ")
        text = text[2:] if marked else text
        cells = tuple(text.split("\t")) if "\t" in text else ()
        text = " ".join(cell for cell in cells if cell) if cells else text
        following = raw[index + 1].replace("\t", " ") if index + 1 < len(raw) else ""
        heading = marked or (_names_section(cells[0]) if cells else is_heading(text, following))
        lines.append(Line(text, heading, cells))
    return Doc(lines, list(extracted.furniture))


def _names_section(text: str) -> bool:
    """Does ``text`` name a section the vocabulary knows? A table row is a heading only
    when the reader marked it so or its first cell does ("Reviews, Revisions, and
    Approvals | Date | Approval Date")."""
    vocab = vocabulary()
    return any(vocab.heading_is(kind, text) for kind in ("history", "references", "coverage"))


def is_heading(text: str, following: str) -> bool:
    """Plain-text heading: a short title-like line, not a sentence, item or row."""
    words = text.split()
    if not words or len(text) > 90 or len(words) > 12 or not following:
        return False
    if len(words) <= 3 and _TABLE_ROW.match(following) and not _names_section(text):
        return False  # a table's header row ("Date Action"), not its title ("Change Control")
    if text.endswith(_TERMINAL) or (text.endswith(":") and len(words) > 4):
        return False
    if words[-1] in ("and", "or", "and/or") and len(words) > 1:  # a list item running on
        return False
    if _LABEL_VALUE.match(text) or _CODE_LIKE.search(_SECTION_NUMBER.sub("", text)):
        return False
    if _LIST_ITEM.match(text) and not _NUMBERED_HEADING.match(text):
        return False
    return text[0].isupper() or _NUMBERED_HEADING.match(text) is not None

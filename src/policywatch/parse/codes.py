"""Billing codes from coding tables and code lists: CPT, HCPCS, ICD-10-CM/PCS, ICD-9-CM/PCS.

Structure first, shapes second. A *label* names a coding system: a table's
header row ("CPT Code | Description"), a heading or list title ("ICD-10 codes
not covered for …:", "Other HCPCS codes related to …:") or a row's first cell
("HCPCS  J1745, J1746"). The rows below a label are that system's codes: each
row starts with a code, a range or a comma-separated list of both, and the rest
of the row is their description. A code's shape is checked against the
labelled system only, so an ICD-10-CM ``J45.50`` is never a HCPCS code and a
HCPCS ``J1745`` never a diagnosis.

Lines without a code inside a table are description text that wrapped
(across a page break, or a list whose description follows its codes) or a
sub-heading; the table ends at prose, at another table's row or after a few
such lines in a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policywatch.model import Code
from policywatch.parse.doc import Doc, Line
from policywatch.parse.vocabulary import vocabulary

# --- vocabulary -------------------------------------------------------------

# Codes are ASCII: a "\d" here never matches another script's digits.
CODE_SHAPES: dict[str, re.Pattern[str]] = {
    system: re.compile(shape, re.ASCII)
    for system, shape in {
        "CPT": r"\d{4}[0-9FTU]",
        "HCPCS": r"[A-V]\d{4}",
        "ICD-10-CM": r"[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?",
        "ICD-10-PCS": r"(?=[0-9A-HJ-NP-Z]*\d)[0-9A-HJ-NP-Z]{7}",
        "ICD-9-CM": r"(?:\d{3}|V\d{2}|E\d{3})(?:\.\d{1,2})?",
        "ICD-9-PCS": r"\d{2}\.\d{1,2}",
    }.items()
}

# Label words live in vocabulary.toml ([codes]).
_WORDS = vocabulary().codes
SYSTEM_NAMES = _WORDS.systems
LABEL_QUALIFIERS = _WORDS.label_qualifiers
LABEL_TAIL_WORDS = _WORDS.label_tail_words
NO_CODES = _WORDS.no_codes
CODELESS_ROW_MARKS = _WORDS.codeless_row_marks
HEADER_WORDS = _WORDS.header_words
# Verbs that make a line a sentence about codes, not a table row or a description.
PROSE_VERBS: tuple[str, ...] = ("is", "are", "was", "were", "may", "must", "should", "will", "can")
RANGE_DASHES = "-–—"  # hyphen, en dash, em dash

# How many lines without a code a table runs on for before it is over.
MAX_GAP = 3
# A line this long, or a sentence of this many words, is prose: the table is over.
PROSE_CHARS = 160
PROSE_WORDS = 10

# --- compiled forms of the vocabulary ----------------------------------------

_SYSTEM_RE = [
    (re.compile(rf"^(?:(?:{'|'.join(LABEL_QUALIFIERS)})\s+)?(?:{names})(?![a-z0-9])"), system)
    for names, system in SYSTEM_NAMES
]
_TAIL_RE = re.compile(
    r"^(?:\s*(?:" + "|".join(re.escape(w) for w in LABEL_TAIL_WORDS) + r")(?![a-z]))*"
    r"\s*(?:\([^)]*\))?\s*",
    re.IGNORECASE,
)
_NO_CODES_RE = re.compile(
    r"^(?:" + "|".join(re.escape(w) for w in NO_CODES) + r")\.?$", re.IGNORECASE
)
_CODELESS_ROW_RE = re.compile(
    r"[-–—]\s*(?:" + "|".join(re.escape(w) for w in CODELESS_ROW_MARKS) + r")\.?$", re.IGNORECASE
)
_PROSE_VERB_RE = re.compile(r"\b(?:" + "|".join(PROSE_VERBS) + r")\b", re.IGNORECASE)
# One entry: a code, or two codes joined by a dash (spaces allowed) or "through".
_BOUND = r"[0-9A-Za-z][0-9A-Za-z.]*?"
_ENTRY_RE = re.compile(
    rf"(?P<lo>{_BOUND})(?:\s*(?:[{RANGE_DASHES}]|\bthrough\b)\s*(?P<hi>{_BOUND}))?"
    r"(?=[\s,;]|\.(?:\s|$)|$)",
)
# Between the entries of a list: a comma or semicolon, or a period typed for a comma.
_SEPARATOR_RE = re.compile(r"\s*[,;]\s*|\.\s+")
_COMMA_RE = re.compile(r"\s*[,;]\s*")
# An item of a list that is no code but was meant as one: short, with a digit.
_GARBLED_RE = re.compile(r"(?=\S*\d)[0-9A-Za-z.]{1,8}")


# --- reading a document ------------------------------------------------------


def parse_codes(doc: Doc) -> list[Code]:
    reader = _TableReader()
    for line in doc.lines:
        reader.read(line)
    reader.finish()
    return _deduplicated(reader.rows)


@dataclass
class _TableReader:
    """Walks the lines once, keeping the open table's system and its unclaimed text."""

    rows: list[Code] = field(default_factory=list)
    system: str | None = None
    gap: int = 0  # lines without a code since the table's last row or label
    open_rows: list[Code] = field(default_factory=list)  # rows a wrapped line would continue
    pending: list[str] = field(default_factory=list)  # codeless lines, not yet known to be wraps

    def read(self, line: Line) -> None:
        label = _label(line)
        if label is not None:
            self._start(*label)
        elif self.system is None or _is_header(line.text):
            return
        elif codes := _row_codes(self.system, line.text):
            self._add_row(codes)
        else:
            self._codeless(line)

    def finish(self) -> None:
        self._end()

    def _start(self, system: str, rest: str) -> None:
        self._end()
        self.system = system
        codes = _row_codes(system, rest)
        if codes:
            self._add_row(codes)

    def _add_row(self, codes: list[Code]) -> None:
        # Text between two rows is the upper row's description, wrapped.
        for text in self.pending:
            _continue(self.open_rows, text)
        self.pending = []
        self.gap = 0
        if codes[0].description or any(row.description for row in self.open_rows):
            self.open_rows = list(codes)
        else:  # codes listed first, their description on a line of its own below
            self.open_rows += codes
        self.rows += codes

    def _codeless(self, line: Line) -> None:
        text = line.text.strip()
        if line.cells and not line.cells[0].strip():
            _continue(self.open_rows, text)  # the code cell is empty: the row above goes on
            return
        self.gap += 1
        if self.gap > MAX_GAP or _is_prose(text) or _is_other_table_row(line):
            self._end()
        elif text.endswith(":") or _CODELESS_ROW_RE.search(text):
            self._settle()  # a sub-heading or a row without a code: the rows above are complete
        else:
            self.pending.append(text)

    def _settle(self) -> None:
        """No more rows follow the pending text: it can only describe codes listed bare."""
        bare = self.open_rows and not self.open_rows[-1].description
        if bare and self.pending and not _PROSE_VERB_RE.search(self.pending[0]):
            _continue(self.open_rows, self.pending[0])
        self.pending = []
        self.open_rows = []

    def _end(self) -> None:
        self._settle()
        self.system = None
        self.gap = 0


def _continue(rows: list[Code], text: str) -> None:
    """A wrapped line: the description of rows listed bare, or more of the last description."""
    for row in rows:
        row.description = f"{row.description} {text}" if row.description else text


def _deduplicated(rows: list[Code]) -> list[Code]:
    codes: dict[tuple[str, str], Code] = {}
    for code in rows:
        key = (code.system, code.code)
        if key not in codes:
            codes[key] = code
        elif not codes[key].description:
            codes[key].description = code.description
    return list(codes.values())


# --- labels, header rows and what ends a table ------------------------------


def _label(line: Line) -> tuple[str, str] | None:
    """(system, rest of the line) when the line names a coding system, else None."""
    text = line.text.strip()
    folded = text.lower().replace("–", "-").replace("—", "-")
    for pattern, system in _SYSTEM_RE:
        m = pattern.match(folded)
        if not m:
            continue
        rest = text[m.end() :]
        tail = _TAIL_RE.match(rest)
        rest = rest[tail.end() :] if tail else rest
        return _label_rest(system, rest, bool(line.cells))
    return None


def _label_rest(system: str, rest: str, is_cells: bool) -> tuple[str, str] | None:
    """What may follow a system name: nothing, codes, a title ending in a colon, column titles."""
    if not rest or _NO_CODES_RE.match(rest) or _is_header(rest):
        return system, ""
    title, colon, after = rest.partition(":")
    if colon and len(title.split()) <= 15 and ". " not in title:
        return system, after.strip()  # "codes covered if selection criteria are met: G0295"
    if _row_codes(system, rest) and (is_cells or not _PROSE_VERB_RE.search(rest)):
        return system, rest  # "CPT 47371 Laparoscopy, …", not "CPT 12345 is covered when …"
    return None  # a sentence that mentions a system: "CPT is a registered trademark …"


def _is_header(text: str) -> bool:
    words = text.replace("\t", " ").lower().split()
    return bool(words) and all(word in HEADER_WORDS for word in words)


def _is_prose(text: str) -> bool:
    words = text.split()
    return len(text) > PROSE_CHARS or (len(words) >= PROSE_WORDS and text.endswith("."))


def _is_other_table_row(line: Line) -> bool:
    """A row of cells that starts with text, not a code: a different table begins."""
    cells = [cell.strip() for cell in line.cells]
    return len([c for c in cells if c]) >= 2 and bool(cells[0])


# --- one row -----------------------------------------------------------------


def _row_codes(system: str, text: str) -> list[Code]:
    """Codes at the start of one row for ``system``: a list of codes and ranges, then text."""
    text = text.strip()
    if not text or _NO_CODES_RE.match(text):
        return []
    entries, end = _leading_entries(system, text)
    if entries:
        description = text[end:].strip(" ,;") or None
        return [_code(system, entry, description) for entry in entries]
    return _split_run_together(system, text)


def _leading_entries(system: str, text: str) -> tuple[list[str], int]:
    """The entries a row starts with, and where its description begins."""
    entries: list[str] = []
    pos = 0
    while (m := _ENTRY_RE.match(text, pos)) is not None:
        entry = _entry(system, m)
        if entry is None:
            comma = _COMMA_RE.match(text, m.end())
            if entries and comma and _GARBLED_RE.fullmatch(m.group()):
                pos = comma.end()  # a garbled item inside a list ("I69, 359, I69.859")
                continue
            break
        entries.append(entry)
        sep = _SEPARATOR_RE.match(text, m.end())
        if sep is None or not _ENTRY_RE.match(text, sep.end()):
            return entries, m.end()
        pos = sep.end()
    return entries, pos


def _entry(system: str, m: re.Match[str]) -> str | None:
    """The normalized code or ``first-last`` range a match stands for, if ``system`` has it."""
    lo = _placeholders(m.group("lo"))
    if not _valid(system, lo):
        return None
    hi = m.group("hi")
    if hi is None:
        return lo
    hi = _placeholders(hi)
    if not _valid(system, hi) and lo[0].isalpha() and hi[0].isdigit():
        hi = lo[0] + hi  # "I69.120 - 69.128": the last bound without its letter
    if not _valid(system, hi) or hi <= lo:
        return None
    return f"{lo}-{hi}"


def _placeholders(token: str) -> str:
    """ICD-10 placeholder characters are often typed in lower case: ``S32.2xxS``."""
    return token.replace("x", "X")


def _valid(system: str, token: str) -> bool:
    return CODE_SHAPES[system].fullmatch(token) is not None


def _split_run_together(system: str, text: str) -> list[Code]:
    """``C78.7197.7`` in an ICD-9 row: an ICD-10 code and the ICD-9 code glued together."""
    token, _, description = text.partition(" ")
    description = description.strip(" ,;")
    for cut in range(3, len(token) - 2):
        head, tail = token[:cut], token[cut:]
        head_system = next((s for s in CODE_SHAPES if s != system and _valid(s, head)), None)
        if head_system and _valid(system, tail):
            return [_code(system, tail, description or None), _code(head_system, head, None)]
    return []


def _code(system: str, entry: str, description: str | None) -> Code:
    bounds = entry.split("-")
    return Code(
        system=system,
        code=entry,
        description=description,
        range=bounds if len(bounds) == 2 else None,
    )

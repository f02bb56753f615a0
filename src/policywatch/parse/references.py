"""The reference list: numbered or bulleted citations, a wrapped citation stays one.

Numbering styles: ``1.``, ``1)``, ``[1]``, ``(1)``, and ``18.Author`` with the
space lost in extraction. Lists skip or repeat numbers, so entries are counted,
never read off the highest number. A list whose first entry has no number but a
bullet (``•``, ``-``, ``*``) is a bulleted list: each bullet is one citation.
"""

from __future__ import annotations

import re

from policywatch.model import Reference
from policywatch.parse.doc import Doc, Line

_BULLET = r"(?:[-•*▪◦·]\s+)"
# The enumerator, then a space, or straight into a capital ("18.Angeles-Han").
_ENUMERATOR = r"(?:\[(?P<a>{n})\]|\((?P<b>{n})\)|(?P<c>{n})[.)])(?:\s+|(?=[A-Z]))"
_ANY_NUMBER = r"\d{1,4}"
_NUMBERED = re.compile(rf"^{_BULLET}?{_ENUMERATOR.format(n=_ANY_NUMBER)}(?P<text>\S.*)$")
_BULLETED = re.compile(rf"^{_BULLET}(?P<text>\S.*)$")
_PMID = re.compile(r"\bPMID:?\s*(?P<id>\d{4,9})\b")
# How far a number may sit from the expected next one and still open an entry;
# farther, it is a wrapped citation's page range ("… discussion 57. PMID: …").
_NEAR = 2


def parse_references(doc: Doc) -> list[Reference]:
    citations: list[str] = []
    for start, end in doc.sections_of("references"):
        citations.extend(_citations(_prose(doc.lines[start + 1 : end])))
    return [_reference(text) for text in citations]


def _prose(lines: list[Line]) -> list[str]:
    """The list's lines up to the first table row: citations are never set in cells."""
    out: list[str] = []
    for line in lines:
        if line.cells:
            break
        out.append(line.text)
    return out


def _citations(lines: list[str]) -> list[str]:
    """The list's style is its first entry's: numbered, else bulleted."""
    for line in lines:
        if _NUMBERED.match(line):
            return _numbered(lines)
        if _BULLETED.match(line):
            return _bulleted(lines)
    return []


def _numbered(lines: list[str]) -> list[str]:
    citations: list[str] = []
    expected = 1
    for line in lines:
        entry = _entry_number(line)
        if entry and (not citations or abs(entry[0] - expected) <= _NEAR):
            citations.append(entry[1])
            expected = entry[0] + 1
        elif citations:
            citations[-1] = f"{citations[-1]} {line.removeprefix('- ')}"
        expected = _split_glued(citations, expected)
    return citations


def _entry_number(line: str) -> tuple[int, str] | None:
    m = _NUMBERED.match(line)
    if not m:
        return None
    number = m.group("a") or m.group("b") or m.group("c")
    return int(number), m.group("text")


def _split_glued(citations: list[str], expected: int) -> int:
    """Extraction can run the next entry onto the end of this one ("… 1108-1123.
    10.Singh S, …"): split where exactly the next number follows a full stop."""
    while citations:
        glued = re.compile(rf"(?<=[.)\]])\s+{_ENUMERATOR.format(n=expected)}(?=[A-Z])")
        m = glued.search(citations[-1])
        if not m:
            break
        citations[-1:] = [citations[-1][: m.start()], citations[-1][m.end() :]]
        expected += 1
    return expected


def _bulleted(lines: list[str]) -> list[str]:
    citations: list[str] = []
    for line in lines:
        m = _BULLETED.match(line)
        if m:
            citations.append(m.group("text"))
        elif citations:
            citations[-1] = f"{citations[-1]} {line}"
    return citations


def _reference(citation: str) -> Reference:
    m = _PMID.search(citation)
    return Reference(citation=citation, pmid=m.group("id") if m else None)

"""The reference list: numbered citations, a wrapped citation stays one reference."""

from __future__ import annotations

import re

from policywatch.model import Reference
from policywatch.parse.document import Doc

_NUMBERED = re.compile(r"^(?:- )?\[?(?P<n>\d{1,4})[.)\]]\s+(?P<text>.+)$")
_PMID = re.compile(r"\bPMID:?\s*(?P<id>\d{4,9})\b")


def parse_references(doc: Doc) -> list[Reference]:
    citations: list[str] = []
    for start, end in doc.sections_of("references"):
        expected = 1
        for line in doc.texts[start + 1 : end]:
            m = _NUMBERED.match(line)
            # Only a number near the next one opens a reference (lists skip or repeat
            # a number); a wrapped citation can put a page range ("… discussion
            # 57. PMID: …") at the start of a line.
            if m and (abs(int(m.group("n")) - expected) <= 2 or not citations):
                citations.append(m.group("text"))
                expected = int(m.group("n")) + 1
            elif citations:
                citations[-1] = f"{citations[-1]} {line.removeprefix('- ')}"
    return [_reference(text) for text in citations]


def _reference(citation: str) -> Reference:
    m = _PMID.search(citation)
    return Reference(citation=citation, pmid=m.group("id") if m else None)

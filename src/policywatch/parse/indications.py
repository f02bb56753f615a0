"""Coverage per indication in drug and prior-authorization policies.

Their criteria are an outline: "A. Atopic Dermatitis" → "1. Initial
Authorization" → "a. <Drug> will be approved based on …"; or "1. Ankylosing
Spondylitis. Approve for …"; or "Patient must have ONE of the following:
1. Large B-cell lymphoma …". The outline's top items that name a condition are
the indications: one statement each, with the first status phrase in the
item's own words or, failing that, the status of the lead-in sentence that
points at the list ("… medically necessary if the conditions indicated below
are met"). Statements outside the items ("… investigational for all other
indications") are statements of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policywatch.model import Coverage, CoverageStatus
from policywatch.parse.doc import Doc, Line
from policywatch.parse.subjects import indication_of, normalize_indication
from policywatch.parse.vocabulary import vocabulary

_ENUMERATED = re.compile(
    r"^(?:- )?(?P<open>\()?(?P<n>[IVXivx]{1,5}|[A-Za-z]|\d{1,2})(?P<close>[.)])\s+(?P<text>\S.*)$"
)
# A list of criteria every indication must also meet, after the indications.
_SHARED = re.compile(
    r"\b(?:all|each|every|both)\s+(?:diagnos[ie]s|indications|conditions|uses)\b.*:$", re.I
)
_CATCH_ALL = re.compile(r"\b(?:all|any) other\b", re.IGNORECASE)
_FORWARD = re.compile(r"\b(?:below|following|listed|these)\b", re.IGNORECASE)
_HEAD_END = re.compile(r"\.\s|:|\s+including\b|\s+\((?:[A-Za-z], )*[A-Za-z],? (?:or|and) ")
# A head that reads as a criterion ("Patient is 18 years or older"), not a condition.
_CLAUSE = re.compile(r"\b(?:is|are|has|have|had|must|will|should|meets?|was|were)\b", re.I)
_MAX_HEAD_WORDS = 12
_MAX_AREA_LINES = 2000


@dataclass
class _Item:
    text: str
    items: list[_Item] = field(default_factory=list)
    first_line: str = ""  # the enumerated line itself, before any continuation
    lead_status: CoverageStatus | None = None  # the status a lead-in sentence gave the list

    def full_text(self) -> str:
        return " ".join([self.text] + [item.full_text() for item in self.items])


def indication_statements(doc: Doc, start: int) -> list[Coverage]:
    """One statement per indication under the coverage heading at ``start``."""
    top, loose = _outline(_area(doc, start))
    out: list[Coverage] = []
    for item in top:
        head = _head(item.first_line)
        status = _first_status(item) or item.lead_status
        if head and status:
            out.append(Coverage(normalize_indication(head), status, item.full_text()))
    if len(out) < 2:
        return []
    vocab = vocabulary()
    for text in loose:
        out.append(Coverage(indication_of(text, None), vocab.status_of(text), text))
    return out


def _area(doc: Doc, start: int) -> list[Line]:
    """The lines from the coverage heading to the first section beyond the criteria."""
    vocab = vocabulary()
    lines: list[Line] = []
    for line in doc.lines[start + 1 : start + 1 + _MAX_AREA_LINES]:
        if line.heading and any(
            vocab.heading_is(kind, line.text)
            for kind in ("beyond_coverage", "history", "references")
        ):
            break
        lines.append(line)
    return lines


def _outline(lines: list[Line]) -> tuple[list[_Item], list[str]]:
    """Top-level items (children nested by numbering style) and the statements
    that stand outside any list. A statement set as a heading ("Conditions Not
    Covered: … are considered not medically necessary") closes the list above."""
    vocab = vocabulary()
    top: list[_Item] = []
    stack: list[tuple[str, _Item]] = []  # (numbering style, item) from the top down
    lead: CoverageStatus | None = None
    loose: list[str] = []
    shared = False  # inside criteria every indication shares: no item there is one
    for line in lines:
        text = line.text
        m = _ENUMERATED.match(text)
        if not m:
            if line.heading and not vocab.is_statement(text) and _opens_section(text):
                stack.clear()  # the items above are over
                shared = False
                lead = _named_status(text) or lead  # "Conditions Not Covered" speaks through
                continue
            if _SHARED.search(text):
                stack.clear()  # "AND ALL of the following for ALL diagnoses:"
                shared = True
                continue
            if vocab.is_statement(text):
                if line.heading:
                    stack.clear()
                forward = _FORWARD.search(text) is not None
                if forward and not stack:  # inside an item it leads that item's own list
                    lead = vocab.status_of(text)
                if not stack and (not forward or _CATCH_ALL.search(text)):
                    loose.append(text)  # a lead-in speaks through the items below it
            if stack:
                stack[-1][1].text += f" {text}"
            continue
        if _CATCH_ALL.search(text) and vocab.is_statement(text):
            loose.append(text)  # "… investigational for ANY other use(s)" stands alone
        if shared:
            continue
        style = _style(m, stack)
        item = _Item(m.group("text"), first_line=m.group("text"))
        depth = next((i for i, (s, _) in enumerate(stack) if s == style), None)
        if depth is not None:
            del stack[depth:]
        if stack:
            stack[-1][1].items.append(item)
        else:
            item.lead_status = lead
            top.append(item)
        stack.append((style, item))
    return top, loose


def _opens_section(heading: str) -> bool:
    """A heading that names a status or a kind of section; a bold "-AND-" or
    "Authorization will be issued for 12 months" inside criteria is neither."""
    vocab = vocabulary()
    return _named_status(heading) is not None or vocab.heading_is("coverage", heading)


def _named_status(heading: str) -> CoverageStatus | None:
    status = vocabulary().status_of(heading)
    return None if status is CoverageStatus.UNKNOWN else status


def _style(m: re.Match[str], stack: list[tuple[str, _Item]]) -> str:
    """'(1)', 'A.', 'a)', 'i.', … — a single I, V, X, i, v, x continuing a letter
    sequence is a letter ("H." then "I."), otherwise a roman numeral."""
    n = m.group("n")
    frame = f"{m.group('open') or ''}{{}}{m.group('close')}"
    if n.isdigit():
        kind = "1"
    elif len(n) == 1 and n.lower() not in "ivx":
        kind = "a" if n.islower() else "A"
    else:
        letter = "a" if n.islower() else "A"
        kind = letter if frame.format(letter) in {s for s, _ in stack} else _roman(n)
        if len(n) > 1 and any(c not in "ivxIVX" for c in n):
            kind = letter
    return frame.format(kind)


def _roman(n: str) -> str:
    return "i" if n.islower() else "I"


def _head(text: str) -> str | None:
    """The condition an item names: its text up to the first sentence end,
    colon or "including", when that is a short noun phrase."""
    head = _HEAD_END.split(text, maxsplit=1)[0].strip(" ,;")
    words = head.split()
    if not words or len(words) > _MAX_HEAD_WORDS or not head[0].isupper():
        return None
    if _CLAUSE.search(head) or vocabulary().is_statement(head):
        return None
    return head


def _first_status(item: _Item) -> CoverageStatus | None:
    vocab = vocabulary()
    for text in _texts(item):
        if vocab.is_statement(text):  # a status word alone ("an experimental therapy") is not one
            status = vocab.status_of(text)
            if status is not CoverageStatus.UNKNOWN:
                return status
    return None


def _texts(item: _Item) -> list[str]:
    out = [item.text]
    for child in item.items:
        out.extend(_texts(child))
    return out

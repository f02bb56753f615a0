"""Coverage statements: one per indication, with its status and its own words.

Sources, in order: the policy / criteria section (roman-numbered criteria with
lettered indications and numbered sub-criteria, or plain statements), else
NICE-style numbered recommendations. A sentence is a statement only when a
status is *predicated* of something ("… is investigational", "considers … to
be medically necessary"), so disclaimers that merely mention a status are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policywatch.model import Coverage, CoverageStatus
from policywatch.parse.doc import Doc
from policywatch.parse.indications import indication_statements
from policywatch.parse.subjects import indication_of, normalize_indication, sentences
from policywatch.parse.vocabulary import vocabulary

_ROMAN = re.compile(r"^(?:- )?(?P<n>[IVX]{1,5})[.)]\s+(?P<text>.+)$")
_LETTER = re.compile(r"^(?:- )?(?P<n>[A-Z])[.)]\s+(?P<text>.+)$")
_NUMBER = re.compile(r"^(?:- )?(?P<n>\d{1,2})[.)]\s+(?P<text>.+)$")
_RECOMMENDATION = re.compile(r"^(?:- )?(?P<n>\d{1,2}\.\d{1,2})\s+(?P<text>.+)$")
_ANY_OF = re.compile(
    r"\b(?:any|one or more|either|each) of the following\b"
    r"|\bfor the following (?:indications|conditions|situations)\b"
    r"|\bunder the following (?:indications|conditions|situations)\b",
    re.I,
)
# "The following procedures are unproven …:": each item below is a statement.
_LISTED = re.compile(r"^the following\b.*:$", re.IGNORECASE)
_MAX_ITEM_WORDS = 40


@dataclass
class _Criterion:
    text: str
    items: list[_Criterion] = field(default_factory=list)

    def full_text(self) -> str:
        return " ".join([self.text] + [item.full_text() for item in self.items])


def status_of(text: str) -> CoverageStatus:
    return vocabulary().status_of(text)


def is_statement(text: str) -> bool:
    return vocabulary().is_statement(text)


def parse_coverage(doc: Doc, title: str | None) -> list[Coverage]:
    """Statements from the first coverage section that has any: criteria trees,
    indications of a drug policy, or plain sentences."""
    found: list[Coverage] = []
    for start, _ in doc.sections_of("coverage"):
        body = _policy_body(doc, start)
        found += (
            _from_criteria(body, title)
            or indication_statements(doc, start)
            or _from_sentences(body, title)
        )
    return _unique(found or _first_stating_section(doc, title))


def _first_stating_section(doc: Doc, title: str | None) -> list[Coverage]:
    """A layout whose coverage heading no vocabulary knows ("Our Position"): the
    statements of the first section, or the preamble, that makes any."""
    spans = doc.section_spans()
    preamble = [(-1, spans[0][0] if spans else len(doc.lines))]
    for start, end in preamble + spans:
        if start >= 0 and _ends_criteria(doc.lines[start].text):
            continue
        found = _from_sentences([line.text for line in doc.lines[start + 1 : end]], title)
        if found:
            return found
    return []


def _policy_body(doc: Doc, start: int, limit: int = 60) -> list[str]:
    """Lines under a policy heading, through sub-headings until statements were seen."""
    body: list[str] = []
    seen_statement = False
    in_list = False  # the lines after "…:" are its list, even when set in bold
    for line in doc.lines[start + 1 : start + 1 + limit]:
        statement = is_statement(line.text)
        if line.heading and seen_statement and not statement and not in_list:
            break  # a statement set in bold is body text, not a new section
        if line.heading and seen_statement and _ends_criteria(line.text):
            break
        in_list = line.text.endswith(":") or (in_list and not statement)
        if line.text.lower().startswith(("note:", "*note")):
            continue
        body.append(line.text)
        seen_statement = seen_statement or statement
    return body


def _ends_criteria(heading: str) -> bool:
    vocab = vocabulary()
    return any(vocab.heading_is(k, heading) for k in ("beyond_coverage", "history", "references"))


def _from_criteria(body: list[str], title: str | None) -> list[Coverage]:
    """Roman-numbered criteria; lettered indications split into their own statements."""
    criteria = _criteria_tree(body)
    out: list[Coverage] = []
    for criterion in criteria:
        status = status_of(criterion.text)
        if criterion.items and _ANY_OF.search(criterion.text):
            stem = criterion.text
            for item in criterion.items:
                indication = _item_indication(item.text)
                out.append(Coverage(indication, status, f"{stem} {item.full_text()}"))
        elif is_statement(criterion.text):
            out.append(
                Coverage(indication_of(criterion.text, title), status, criterion.full_text())
            )
    return out


def _criteria_tree(body: list[str]) -> list[_Criterion]:
    """Nest I. → A. → 1. items by their numbering, whatever the indentation says."""
    roots: list[_Criterion] = []
    letter: _Criterion | None = None
    last_letter = ""
    for line in body:
        lettered = _LETTER.match(line)
        next_letter = bool(lettered and last_letter and ord(lettered["n"]) == ord(last_letter) + 1)
        if not next_letter and (m := _ROMAN.match(line)):  # "I." after "H." is a letter
            roots.append(_Criterion(m.group("text")))
            letter, last_letter = None, ""
        elif roots and (m := lettered):
            letter = _Criterion(m.group("text"))
            roots[-1].items.append(letter)
            last_letter = m.group("n")
        elif roots and (m := _NUMBER.match(line)):
            (letter or roots[-1]).items.append(_Criterion(line.removeprefix("- ")))
        elif roots and not line.startswith("- "):
            break  # prose after the criteria ends them
    return roots


def _from_sentences(body: list[str], title: str | None) -> list[Coverage]:
    out: list[Coverage] = []
    listed: CoverageStatus | None = None  # the status of "The following … are <status>:" above
    for line in body:
        rec = _RECOMMENDATION.match(line)
        text = rec.group("text") if rec else line.removeprefix("- ")
        statement = next(
            (
                s
                for s in sentences(text)
                if is_statement(s) and status_of(s) is not CoverageStatus.UNKNOWN
            ),
            None,
        )
        if statement:
            listed = status_of(statement) if _LISTED.match(statement) else None
            if not listed:
                out.append(Coverage(indication_of(text, title), status_of(statement), text))
        elif listed and len(text.split()) <= _MAX_ITEM_WORDS:
            out.append(Coverage(_item_indication(text), listed, text))
    return out


def _item_indication(text: str) -> str:
    head = re.split(r"\s+(?:when|if|that|who|in patients|for patients)\b|[:;,]", text, maxsplit=1)[
        0
    ]
    return normalize_indication(head)


def _unique(statements: list[Coverage]) -> list[Coverage]:
    """One statement per indication: the first, as the document orders them."""
    seen: set[str] = set()
    out = []
    for statement in statements:
        if statement.indication not in seen:
            seen.add(statement.indication)
            out.append(statement)
    return out

"""Title, payer, policy and reference numbers, and the dated fields."""

from __future__ import annotations

import re

from policywatch.model import Dates
from policywatch.parse.dates import parse_date
from policywatch.parse.document import Doc

_GENERIC_TITLE = re.compile(
    r"^(?:(?:medical|clinical|corporate|reimbursement)\s+)?(?:policy|policies|guideline|guidance)"
    r"(?:\s+manual)?$|^healthtech guidance$",
    re.IGNORECASE,
)
_TITLE_NUMBER = re.compile(r"^(?P<title>.+?)\s+[-–—]\s+(?P<number>[A-Z]{1,5}[- ]?\d[\w.-]*)$")
_POLICY_NUMBER = re.compile(
    r"^(?:medical\s+)?policy\s*(?:#|no\.?|number)\s*:?\s*(?P<n>[A-Z0-9][\w.-]*)", re.IGNORECASE
)
_NICE_ID = re.compile(r"nice\.org\.uk/guidance/(?P<id>[a-z]{2,4}\d+)", re.IGNORECASE)
_REFERENCE_NUMBER = re.compile(
    r"^(?:BCBSA\s+)?ref(?:erence)?\.?\s*(?:policy\s*)?(?:#|no\.?|number)?\s*:\s*(?P<n>\d[\d.]*\d)",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"^(?:©|copyright\s*©?)\s*(?:\d{4}(?:-\d{4})?\s*)?(?P<holder>.+)$", re.I)
_UNDERWRITTEN = re.compile(
    r"\b(?:administered or underwritten|underwritten|issued) by (?P<holder>"
    r"(?:[A-Z][\w&.'-]*|of|and|the|&)(?:\s+(?:[A-Z][\w&.'-]*|of|and|the|&))*)"
)

_DATE_LABELS: dict[str, re.Pattern[str]] = {
    "original_effective": re.compile(
        r"^(?:original effective(?: date)?|date of origin|origination date|original policy date)"
        r"\s*:?\s*",
        re.I,
    ),
    "effective": re.compile(r"^(?:current )?effective(?: date)?\s*:?\s*", re.I),
    "last_review": re.compile(r"^last review(?:ed)?(?: date)?\s*:?\s*", re.I),
    "next_review": re.compile(r"^next (?:scheduled )?review(?: date)?\s*:?\s*", re.I),
    "published": re.compile(r"^(?:published|publication date|date published)\s*:?\s*", re.I),
}


def title(doc: Doc) -> str | None:
    for text in doc.texts[:12]:
        candidate = _TITLE_NUMBER.sub(r"\g<title>", text).strip()
        if _is_title(candidate):
            return candidate
    return None


def _is_title(text: str) -> bool:
    words = text.split()
    return (
        len(words) >= 3
        and len(text) <= 200
        and not _GENERIC_TITLE.match(text)
        and ":" not in text
        and not text.startswith(("- ", "©"))
        and sum(c.isalpha() for c in text) > len(text) * 0.6
    )


def policy_number(doc: Doc) -> str | None:
    for text in doc.texts[:40]:
        m = _POLICY_NUMBER.match(text)
        if m:
            return m.group("n")
    for text in doc.texts[:12]:
        m = _TITLE_NUMBER.match(text)
        if m and _is_title(m.group("title")):
            return m.group("number")
    for text in doc.texts:
        m = _NICE_ID.search(text)
        if m:
            return m.group("id").upper()
    return None


def reference_number(doc: Doc) -> str | None:
    for text in doc.texts[:40]:
        m = _REFERENCE_NUMBER.match(text)
        if m:
            return m.group("n")
    return None


def payer(doc: Doc) -> str | None:
    """The publisher as the document names itself: copyright holder or underwriter."""
    for text in doc.furniture + doc.texts:
        m = _COPYRIGHT.match(text)
        if m:
            holder = re.sub(r"[.,]?\s*all rights reserved\.?$", "", m.group("holder"), flags=re.I)
            return holder.strip(" .,")
    for text in doc.texts:
        m = _UNDERWRITTEN.search(text)
        if m:
            return re.sub(r"\s+(?:and|of|the|&)$", "", m.group("holder")).strip()
    if any(_NICE_ID.search(text) for text in doc.texts):
        return "National Institute for Health and Care Excellence (NICE)"
    return None


def dates(doc: Doc) -> Dates:
    found = Dates()
    for text in doc.texts:
        for name, label in _DATE_LABELS.items():
            m = label.match(text)
            if not m or getattr(found, name):
                continue
            value = parse_date(text[m.end() :])
            if value:
                setattr(found, name, value)
                break
    return found

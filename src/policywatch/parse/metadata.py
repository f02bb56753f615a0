"""Title, payer, policy and reference numbers, and the dated fields.

Labelled header fields (found once by :func:`~policywatch.parse.fields.header_fields`)
come first; masthead lines, phrases and the copyright line fill in what they do not say.
"""

from __future__ import annotations

import re

from policywatch.model import DATE_FIELDS, Dates
from policywatch.parse.dates import parse_date
from policywatch.parse.doc import Doc
from policywatch.parse.fields import Field, first, number_value
from policywatch.parse.vocabulary import vocabulary

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
_COPYRIGHT_INSIDE = re.compile(
    r"(?:©|\bcopyright\b)\s*©?\s*\d{4}(?:-\d{4})?\s+(?P<holder>[A-Z].{2,80}?)\s*$", re.I
)
_UNDERWRITTEN = re.compile(
    r"\b(?:administered or underwritten|underwritten|issued) by (?P<holder>"
    r"(?:[A-Z][\w&.'-]*|of|and|the|&)(?:\s+(?:[A-Z][\w&.'-]*|of|and|the|&))*)"
)

_MASTHEAD_LINES = 15
# A policy number printed alone above a header block: "5.21.169", "CP.VP.26".
_BARE_NUMBER = re.compile(r"^[A-Z]{0,4}\.?\d{1,2}(?:\.[A-Z0-9]{1,3}){2,3}$")  # not a phone


def title(doc: Doc, fields: list[Field], publisher: str | None) -> str | None:
    """A labelled title ("Subject:", "Policy Title:", "Medications"), else the first
    masthead heading that is neither generic ("Medical Policy") nor the publisher's
    name (:func:`payer`), else the first title-like line."""
    vocab = vocabulary()
    labelled = _labelled_title(doc, fields)
    if labelled:
        return labelled
    running = {text.lower() for text in doc.furniture}
    masthead = [line.text for line in doc.lines[:_MASTHEAD_LINES] if line.heading]
    for text in masthead:  # the title a page footer repeats
        if text.lower() in running and len(text.split()) >= 2 and _is_title(text, 2):
            return text
    for text in masthead:
        generic = vocab.is_generic_title(text) or _names_publisher(publisher, text)
        if _is_title(text, 2) and not generic:
            return _TITLE_NUMBER.sub(r"\g<title>", text).strip()
    for text in doc.texts[:12]:
        candidate = _TITLE_NUMBER.sub(r"\g<title>", text).strip()
        if _is_title(candidate) and not _names_publisher(publisher, candidate):
            return candidate
    return None


def _labelled_title(doc: Doc, fields: list[Field]) -> str | None:
    found = first(fields, "title")
    if found is None or found.line >= 40:
        return None
    value = found.value
    following = doc.lines[found.line + 1] if found.line + 1 < len(doc.lines) else None
    if following and _wraps_title(value, following.text):
        value = f"{value} {following.text}"
    return value.strip()


def _wraps_title(value: str, below: str) -> bool:
    """A title value wrapped onto a short capitalised line of its own."""
    words = below.split()
    return (
        not value.endswith((".", ":", ")"))
        and 0 < len(words) <= 8
        and below[0].isupper()
        and ":" not in below
        and not below.endswith(".")
        and not _BARE_NUMBER.match(below)
        and below not in value
    )


def _names_publisher(publisher: str | None, text: str) -> bool:
    """A brand line: the text names the document's publisher (copyright holder)."""
    if not publisher:
        return False
    brand = publisher.split()[0].rstrip("®™,.").lower()
    return len(brand) > 3 and text.lower().replace("®", "").startswith(brand)


def _is_title(text: str, min_words: int = 3) -> bool:
    words = text.split()
    return (
        len(words) >= min_words
        and len(text) <= 200
        and not _GENERIC_TITLE.match(text)
        and ":" not in text
        and not text.startswith(("- ", "©"))
        and sum(c.isalpha() for c in text) > len(text) * 0.6
    )


def policy_number(doc: Doc, fields: list[Field]) -> str | None:
    labelled = first(fields, "policy_number")
    if labelled:
        return number_value(labelled.value)
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
    for text in doc.texts[:_MASTHEAD_LINES]:
        if _BARE_NUMBER.match(text):
            return text
    return None


def reference_number(doc: Doc, fields: list[Field]) -> str | None:
    labelled = first(fields, "reference_number")
    if labelled:
        return number_value(labelled.value)
    for text in doc.texts[:40]:
        m = _REFERENCE_NUMBER.match(text)
        if m:
            return m.group("n")
    return None


def payer(doc: Doc) -> str | None:
    """The publisher as the document names itself: copyright holder or underwriter."""
    texts = doc.texts
    for search in (_COPYRIGHT.match, _COPYRIGHT_INSIDE.search):
        for text in doc.furniture + texts:
            m = search(text)
            if m:
                holder = re.sub(
                    r"[.,]?\s*all rights reserved\.?$", "", m.group("holder"), flags=re.I
                )
                return holder.strip(" .,")
    for text in texts:
        m = _UNDERWRITTEN.search(text)
        if m:
            return re.sub(r"\s+(?:and|of|the|&)$", "", m.group("holder")).strip()
    if any(_NICE_ID.search(text) for text in texts):
        return "National Institute for Health and Care Excellence (NICE)"
    return None


def dates(doc: Doc, fields: list[Field]) -> Dates:
    """Each dated field at the document's own precision: labelled fields first,
    then phrases in sentences ("(This NCD last reviewed January 2020.)")."""
    found = Dates()
    for item in fields:
        if item.name in DATE_FIELDS and not getattr(found, item.name):
            setattr(found, item.name, parse_date(item.value))
    for name, patterns in vocabulary().phrases.items():
        if getattr(found, name):
            continue
        for text in doc.texts:
            value = _phrase_date(text, patterns)
            if value:
                setattr(found, name, value)
                break
    return found


def _phrase_date(text: str, patterns: list[re.Pattern[str]]) -> str | None:
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            value = parse_date(text[m.end() :])
            if value:
                return value
    return None

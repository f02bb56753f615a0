"""Evidence counts per population.

From BCBSA-style summaries ("For individuals who have X who receive Y, the
evidence includes two meta-analyses, an RCT, several nonrandomized comparative
and noncomparative studies") and from NICE's numbered efficacy findings
("2.3.1 A randomised controlled trial (RCT) of 123 patients …").
"""

from __future__ import annotations

import re

from policywatch.model import Count, Coverage, Evidence
from policywatch.parse.doc import Doc

_SUMMARY = re.compile(
    r"\bFor (?:individuals|patients|adults|children|people) (?:who have|with) (?P<pop>.+?)"
    r",?\s+the evidence (?:includes|consists of|is limited to) (?P<list>.+?)\.(?:\s|$)",
    re.IGNORECASE,
)
_POPULATION_END = re.compile(r"\s+who (?:receive|have|undergo|are treated with|are)\b.*$", re.I)
_EFFICACY_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?efficacy\b", re.I)
_FINDING = re.compile(r"^(?:- )?\d{1,2}\.\d{1,2}\.\d{1,2}\s+(?P<text>.+)$")

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
QUANTIFIERS = ("several", "multiple", "numerous", "many", "few", "some", "various", "limited")

# Longest and most specific first: "nonrandomized controlled trial" before "controlled trial".
STUDY_TYPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bmeta-?analy[sz][ie]s\b", re.I), "meta_analysis"),
    (re.compile(r"\b(?:systematic|cochrane) reviews?\b", re.I), "systematic_review"),
    (
        re.compile(
            r"\bnon-?randomi[sz]ed (?:comparative|controlled)\b|\bcomparative observational\b", re.I
        ),
        "nonrandomized_comparative",
    ),
    (re.compile(r"\bnon-?comparative\b|\bsingle-arm\b", re.I), "noncomparative"),
    (re.compile(r"\brandomi[sz]ed(?: controlled)? trials?\b|\bRCTs?\b", re.I), "rct"),
    (re.compile(r"\bcase series\b", re.I), "case_series"),
    (re.compile(r"\bcase reports?\b", re.I), "case_report"),
    (re.compile(r"\bcohort stud(?:y|ies)\b", re.I), "cohort"),
    (re.compile(r"\bobservational stud(?:y|ies)\b", re.I), "observational"),
]
_NOUN = re.compile(
    r"\b(?:stud(?:y|ies)|trials?|reviews?|series|reports?|analy[sz][ie]s|RCTs?)\b", re.I
)


def parse_evidence(doc: Doc, coverage: list[Coverage]) -> list[Evidence]:
    found: dict[str, dict[str, Count]] = {}
    for text in doc.texts:
        for m in _SUMMARY.finditer(text):
            population = normalize_population(m.group("pop"))
            if population not in found:
                found[population] = count_studies(m.group("list"))
    if not found:
        population = coverage[0].indication if coverage else "all indications"
        counts = _efficacy_findings(doc)
        if counts:
            found[population] = counts
    return [Evidence(population, counts) for population, counts in found.items()]


def normalize_population(text: str) -> str:
    text = _POPULATION_END.sub("", text)
    text = re.sub(r"\s*\([A-Za-z]{2,8}\)", "", text)
    return re.sub(r"\s+", " ", text).strip(" ,")


def count_studies(listing: str) -> dict[str, Count]:
    """'two meta-analyses, an RCT, and several cohort studies' → {type: count}."""
    listing = re.sub(r"\s*\([^)]*\)", "", listing)
    phrases = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", listing) if p.strip()]
    counts: dict[str, Count] = {}
    carried: Count = None  # a quantifier shared by "several X and Y studies"
    carry = False
    for phrase in phrases:
        quantity, rest = _quantity(phrase)
        if quantity is None and carry:
            quantity = carried
        study = _study_type(rest)
        carry = study is not None and not _NOUN.search(rest)
        carried = quantity
        if study:
            counts[study] = _merge(counts.get(study, 0) if study in counts else None, quantity)
    return counts


def _quantity(phrase: str) -> tuple[Count, str]:
    words = phrase.split(" ", 1)
    first = words[0].lower()
    rest = words[1] if len(words) > 1 else ""
    if first == "a" and rest.lower().startswith("few "):
        return "few", rest[4:]
    if first in NUMBER_WORDS:
        return NUMBER_WORDS[first], rest
    if first.isdigit():
        return int(first), rest
    if first in QUANTIFIERS:
        return first, rest
    return None, phrase


def _study_type(text: str) -> str | None:
    for pattern, study in STUDY_TYPES:
        if pattern.search(text):
            return study
    return None


def _merge(old: Count, new: Count) -> Count:
    if isinstance(old, int) and isinstance(new, int):
        return old + new
    return old if old is not None else new


def _efficacy_findings(doc: Doc) -> dict[str, Count]:
    """NICE: one study per numbered efficacy finding that names its design."""
    counts: dict[str, Count] = {}
    for start, end in doc.find_sections(_EFFICACY_HEADING):
        for line in doc.texts[start + 1 : end]:
            m = _FINDING.match(line)
            if not m:
                continue
            quantity, rest = _quantity(m.group("text"))
            study = _study_type(rest.split(" of ", 1)[0] if quantity else "")
            if study:
                counts[study] = _merge(counts.get(study), quantity)
    return counts

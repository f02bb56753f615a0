"""The normalized policy (schema_version 1), its vocabulary and its canonical JSON form.

Canonical JSON: UTF-8, sorted keys, 2-space indent, final newline, lists in
document order. The same document always serializes to the same bytes, so
hashes and git commits only move when the policy does.

The closed vocabularies are ``StrEnum``s whose values are the strings the JSON
has always carried: a coverage :class:`CoverageStatus`, and a change's
:class:`ChangeKind`, :class:`Severity` and :class:`Action`. A member *is* its
string (``CoverageStatus.INVESTIGATIONAL == "investigational"``), so JSON,
stored policies and code comparing with plain strings are unchanged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


class CoverageStatus(StrEnum):
    """What a coverage statement says of its indication (``unknown`` only when nothing fits)."""

    MEDICALLY_NECESSARY = "medically_necessary"
    NOT_MEDICALLY_NECESSARY = "not_medically_necessary"
    INVESTIGATIONAL = "investigational"
    NOT_COVERED = "not_covered"
    STANDARD_ARRANGEMENTS = "standard_arrangements"  # NICE's recommendation levels
    SPECIAL_ARRANGEMENTS = "special_arrangements"
    RESEARCH_ONLY = "research_only"
    DO_NOT_USE = "do_not_use"
    UNKNOWN = "unknown"


class ChangeKind(StrEnum):
    """What a change is about, in the order a compliance analyst reads them."""

    COVERAGE = "coverage"
    CODE = "code"
    EVIDENCE = "evidence"
    DATE = "date"
    REFERENCE = "reference"
    HISTORY = "history"
    METADATA = "metadata"
    FIELD = "field"  # a difference no semantic differ knows (the completeness check)
    TEXT = "text"  # a section's wording, for the reader only


class Severity(StrEnum):
    """How much a change matters, most serious first."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most serious: sort keys order high before medium before low."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


class Action(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"


STATUSES = tuple(CoverageStatus)

CODE_SYSTEMS = ("CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS", "ICD-9-CM", "ICD-9-PCS")

DATE_FIELDS = ("original_effective", "effective", "last_review", "next_review", "published")

# Evidence counts: an int for a number word, a quantifier word ("several"),
# or None for a bare plural ("systematic reviews").
Count = int | str | None


@dataclass
class Dates:
    original_effective: str | None = None
    effective: str | None = None
    last_review: str | None = None
    next_review: str | None = None
    published: str | None = None


@dataclass
class Coverage:
    indication: str
    status: CoverageStatus  # a plain string is read as its member; any other raises ValueError
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.status, CoverageStatus):
            self.status = CoverageStatus(self.status)


@dataclass
class Code:
    system: str
    code: str
    description: str | None = None
    range: list[str] | None = None  # [first, last] when ``code`` is a range


@dataclass
class Evidence:
    population: str
    counts: dict[str, Count] = field(default_factory=dict)


@dataclass
class Reference:
    citation: str
    pmid: str | None = None


@dataclass
class HistoryEntry:
    date: str
    action: str
    end_date: str | None = None  # a row dated as a span, e.g. "11/2011- 4/2012"


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class Policy:
    title: str | None = None
    payer: str | None = None
    policy_number: str | None = None
    reference_number: str | None = None
    dates: Dates = field(default_factory=Dates)
    coverage: list[Coverage] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        """Inverse of :meth:`to_dict`; unknown keys are ignored, missing ones default."""
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        kwargs["dates"] = Dates(**_pick(Dates, data.get("dates") or {}))
        for name, item_cls in _LIST_ITEMS.items():
            kwargs[name] = [item_cls(**_pick(item_cls, item)) for item in data.get(name) or []]
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> Policy:
        return cls.from_dict(json.loads(text))


_LIST_ITEMS: dict[str, type] = {
    "coverage": Coverage,
    "codes": Code,
    "evidence": Evidence,
    "references": Reference,
    "history": HistoryEntry,
    "sections": Section,
}


def _pick(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def canonical_json(data: Any) -> str:
    """The one serialization used for output, hashing and the store."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def iso(moment: datetime | int) -> str:
    """A moment as data (JSON, CSV, the run log): ``2026-11-02T06:00:00Z``. An int is Unix
    seconds; a datetime keeps its own offset unless it is UTC."""
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.isoformat().replace("+00:00", "Z")

"""The payer vocabulary (``vocabulary.toml``), loaded once, checked and compiled.

Every status the TOML names must be a :class:`~policywatch.model.CoverageStatus`
value and every code system one of ``CODE_SYSTEMS``: a typo fails at load time
(:class:`VocabularyError`), not as a status no one reports.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from policywatch.model import CODE_SYSTEMS, CoverageStatus

# What a label loses before lookup: marks, a trailing colon or "#"-less dots,
# and parenthesised abbreviations such as "(NCD)".
_MARKS = re.compile(r"[®™*†‡]|\((?:[A-Z]{2,6}|[a-z]{2,6})\)")


@dataclass(frozen=True)
class CodeWords:
    """How policies label coding systems and say a table has no codes."""

    systems: tuple[tuple[str, str], ...]  # (label regex, system), most specific first
    label_qualifiers: tuple[str, ...]
    label_tail_words: tuple[str, ...]
    no_codes: tuple[str, ...]
    codeless_row_marks: tuple[str, ...]
    header_words: frozenset[str]


@dataclass(frozen=True)
class Vocabulary:
    labels: dict[str, str]  # folded label → field name
    phrases: dict[str, list[re.Pattern[str]]]
    generic_titles: list[re.Pattern[str]]
    longest_label_words: int
    headings: dict[str, tuple[list[re.Pattern[str]], list[re.Pattern[str]]]]  # search, match
    statuses: list[tuple[CoverageStatus, list[re.Pattern[str]]]]  # in precedence order
    predicates: list[re.Pattern[str]]
    codes: CodeWords

    def status_of(self, text: str) -> CoverageStatus:
        for status, patterns in self.statuses:
            if any(p.search(text) for p in patterns):
                return status
        return CoverageStatus.UNKNOWN

    def is_statement(self, text: str) -> bool:
        return any(p.search(text) for p in self.predicates)

    def heading_is(self, kind: str, heading: str) -> bool:
        """Is ``heading`` a section of ``kind`` ("history", "references", "coverage")?"""
        search, match = self.headings[kind]
        text = fold_heading(heading)
        return any(p.search(text) for p in search) or any(p.fullmatch(text) for p in match)

    def field_of(self, label: str) -> str | None:
        return self.labels.get(fold_label(label))

    def is_generic_title(self, text: str) -> bool:
        folded = fold_label(text)
        return any(p.match(folded) for p in self.generic_titles)


def fold_label(text: str) -> str:
    """'Policy Number:' / 'POLICY NUMBER' / 'Policy Number®' → 'policy number'."""
    text = _MARKS.sub("", text).replace("…", "").strip(" .:\t").lower()
    return " ".join(text.split())


_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,5}|[A-Z])[.)]\s+")


def fold_heading(text: str) -> str:
    """'4. References:' → 'references'; 'III. Coverage Criteria' → 'coverage criteria'."""
    return fold_label(_NUMBERING.sub("", text.strip()))


class VocabularyError(ValueError):
    """``vocabulary.toml`` names something the schema does not know."""


@cache
def vocabulary() -> Vocabulary:
    return load_vocabulary(
        resources.files("policywatch.parse").joinpath("vocabulary.toml").read_text("utf-8")
    )


def load_vocabulary(text: str) -> Vocabulary:
    """Compile a vocabulary TOML document (raises :class:`VocabularyError` on an unknown
    status or code system)."""
    data = tomllib.loads(text)
    labels = {fold_label(label): name for name, ls in data["labels"].items() for label in ls}
    return Vocabulary(
        labels=labels,
        phrases={
            name: [re.compile(p, re.IGNORECASE) for p in patterns]
            for name, patterns in data["phrases"].items()
        },
        generic_titles=[re.compile(p, re.IGNORECASE) for p in data["generic_titles"]["patterns"]],
        longest_label_words=max(len(label.split()) for label in labels),
        headings={
            kind: (_compiled(spec.get("search", [])), _compiled(spec.get("match", [])))
            for kind, spec in data["headings"].items()
        },
        statuses=[
            (_status(entry["status"]), _compiled(entry["patterns"])) for entry in data["statuses"]
        ],
        predicates=_compiled(data["predicates"]["patterns"]),
        codes=_code_words(data["codes"]),
    )


def _status(value: str) -> CoverageStatus:
    try:
        return CoverageStatus(value)
    except ValueError:
        known = ", ".join(CoverageStatus)
        raise VocabularyError(f"unknown status {value!r} in vocabulary (known: {known})") from None


def _system(value: str) -> str:
    if value not in CODE_SYSTEMS:
        known = ", ".join(CODE_SYSTEMS)
        raise VocabularyError(f"unknown code system {value!r} in vocabulary (known: {known})")
    return value


def _code_words(data: dict[str, Any]) -> CodeWords:
    return CodeWords(
        systems=tuple((entry["names"], _system(entry["system"])) for entry in data["systems"]),
        label_qualifiers=tuple(data["label_qualifiers"]),
        label_tail_words=tuple(data["label_tail_words"]),
        no_codes=tuple(data["no_codes"]),
        codeless_row_marks=tuple(data["codeless_row_marks"]),
        header_words=frozenset(data["header_words"]),
    )


def _compiled(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]

"""Evidence counts per population and study type.

Reads as "Unresectable primary hepatocellular carcinoma: meta-analyses 0 → 2".
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from policywatch.diff.changes import Change
from policywatch.diff.matching import pair_items
from policywatch.diff.normalize import (
    content_tokens,
    idf_weights,
    norm_key,
    norm_text,
    sentence_case,
    weighted_jaccard,
)
from policywatch.model import Action, ChangeKind, Count, Evidence, Severity

MATCH_THRESHOLD = 0.5

STUDY_LABELS = {
    "meta_analysis": "meta-analyses",
    "systematic_review": "systematic reviews",
    "cochrane_review": "Cochrane reviews",
    "rct": "RCTs",
    "nonrandomized_comparative": "nonrandomized comparative studies",
    "nonrandomized": "nonrandomized studies",
    "noncomparative": "noncomparative studies",
    "comparative": "comparative studies",
    "observational": "observational studies",
    "case_series": "case series",
    "case_report": "case reports",
    "cohort": "cohort studies",
}

# Where a population description stops naming the population.
_POPULATION_END = re.compile(r"\s+(?:amenable to|who (?:receive|have|undergo)|treated with)\s")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")


def population_label(population: str) -> str:
    """The short name an analyst reads: 'unresectable primary hepatocellular carcinoma'."""
    text = _PARENTHETICAL.sub("", norm_text(population))
    return sentence_case(_POPULATION_END.split(text, maxsplit=1)[0].strip() or text)


def study_label(study_type: str) -> str:
    return STUDY_LABELS.get(study_type, study_type.replace("_", " "))


def count_label(count: Count, present: bool = True) -> str:
    if not present:
        return "0"
    if count is None:
        return "some"  # a bare plural: "systematic reviews"
    return str(count)


def diff_evidence(old: list[Evidence], new: list[Evidence]) -> list[Change]:
    old_tokens = [content_tokens(e.population) for e in old]
    new_tokens = [content_tokens(e.population) for e in new]
    weights = idf_weights(old_tokens + new_tokens)
    pairing = pair_items(
        [norm_key(e.population) for e in old],
        [norm_key(e.population) for e in new],
        lambda i, j: weighted_jaccard(old_tokens[i], new_tokens[j], weights),
        MATCH_THRESHOLD,
    )
    changes: list[Change] = []
    for i, j in pairing.pairs:
        changes += _count_changes(old[i], new[j])
    changes += [_population_removed(old[i]) for i in pairing.old_only]
    changes += [_population_added(new[j]) for j in pairing.new_only]
    return changes


def _count_changes(before: Evidence, after: Evidence) -> list[Change]:
    label = population_label(before.population)
    changes = []
    study_types = list(before.counts) + [t for t in after.counts if t not in before.counts]
    for study_type in study_types:
        had, has = study_type in before.counts, study_type in after.counts
        old_count, new_count = before.counts.get(study_type), after.counts.get(study_type)
        if had and has and old_count == new_count:
            continue
        action = Action.MODIFIED if had and has else (Action.ADDED if has else Action.REMOVED)
        summary = (
            f"{label}: {study_label(study_type)} "
            f"{count_label(old_count, had)} → {count_label(new_count, has)}"
        )
        changes.append(
            Change(
                ChangeKind.EVIDENCE,
                action,
                Severity.MEDIUM,
                f"evidence[{label}].{study_type}",
                summary,
                _count_side(before, study_type) if had else None,
                _count_side(after, study_type) if has else None,
            )
        )
    return changes


def _count_side(evidence: Evidence, study_type: str) -> dict[str, Any]:
    return {
        "population": evidence.population,
        "study_type": study_type,
        "count": evidence.counts[study_type],
    }


def _describe_counts(evidence: Evidence) -> str:
    parts = [f"{study_label(t)} {count_label(c)}" for t, c in evidence.counts.items()]
    return ", ".join(parts) or "no studies counted"


def _population_added(evidence: Evidence) -> Change:
    label = population_label(evidence.population)
    summary = f"New evidence population: {label} ({_describe_counts(evidence)})"
    return Change(
        ChangeKind.EVIDENCE,
        Action.ADDED,
        Severity.MEDIUM,
        f"evidence[{label}]",
        summary,
        None,
        asdict(evidence),
    )


def _population_removed(evidence: Evidence) -> Change:
    label = population_label(evidence.population)
    summary = f"Evidence population removed: {label} (was {_describe_counts(evidence)})"
    return Change(
        ChangeKind.EVIDENCE,
        Action.REMOVED,
        Severity.MEDIUM,
        f"evidence[{label}]",
        summary,
        asdict(evidence),
        None,
    )

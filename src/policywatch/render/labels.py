"""The words and orderings every output shares: one place for each label.

Kinds, severities, actions and statuses as a reader sees them; the order
changes are shown in (kind, high severity first); the tally line; how a
moment and a commit are written. Text, HTML, JSON and CSV take their labels
from here, so two outputs never name one thing two ways.

The engine's own vocabulary — the words ``diff`` writes into each change's
``summary`` (status, date, study-type, count and population labels) — is
defined in :mod:`policywatch.diff` and re-exported here unchanged, so a label
in a summary and the same label in a table are one definition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from policywatch.diff import Change, DiffResult
from policywatch.diff.changes import KINDS, SEVERITIES
from policywatch.diff.dates import DATE_LABELS
from policywatch.diff.evidence import count_label, population_label, study_label
from policywatch.diff.normalize import status_label as _engine_status_label
from policywatch.model import iso

__all__ = [
    "DATE_LABELS",
    "KIND_TITLES",
    "STATUS_TONES",
    "action_verb",
    "count_label",
    "describe_side",
    "grouped",
    "iso",
    "population_label",
    "severity_counts",
    "short",
    "status_label",
    "status_tone",
    "study_label",
    "tally",
    "title",
    "when",
]

KIND_TITLES = {
    "coverage": "Coverage",
    "code": "Codes",
    "evidence": "Evidence",
    "date": "Dates",
    "reference": "References",
    "history": "History",
    "metadata": "Metadata",
    "field": "Other fields",  # what only the completeness check found
    "text": "Text",
}

STATUS_TONES = {
    "medically_necessary": "good",
    "standard_arrangements": "good",
    "not_medically_necessary": "bad",
    "not_covered": "bad",
    "do_not_use": "bad",
    "investigational": "caution",
    "research_only": "caution",
    "special_arrangements": "caution",
    "unknown": "neutral",
}

# How a table names what happened to an item: an added code is "added", a
# modified one "changed".
_ACTION_VERBS = {"added": "added", "removed": "removed", "modified": "changed"}


def status_label(status: str | None) -> str:
    """'investigational', 'not medically necessary'…: the engine's wording; none is 'unknown'."""
    return _engine_status_label(status or "unknown")


def status_tone(status: str | None) -> str:
    return STATUS_TONES.get(status or "unknown", "neutral")


def action_verb(action: str) -> str:
    return _ACTION_VERBS.get(action, "changed")


def grouped(result: DiffResult) -> list[tuple[str, list[Change]]]:
    """Changes by kind; groups and the changes inside them ordered high severity first."""
    groups: list[tuple[str, list[Change]]] = []
    for kind in KINDS:
        changes = sorted((c for c in result.changes if c.kind == kind), key=_severity_rank)
        if changes:
            groups.append((kind, changes))
    groups.sort(key=lambda g: (g[1][0].severity.rank, KINDS.index(g[0])))
    return groups


def _severity_rank(change: Change) -> int:
    return change.severity.rank


def severity_counts(result: DiffResult) -> dict[str, int]:
    return {s: sum(1 for c in result.changes if c.severity == s) for s in SEVERITIES}


def tally(result: DiffResult) -> str:
    """'3 changes: 1 high, 2 low', or 'No changes.'; wording-only results say so."""
    if not result.changes:
        return "No changes."
    counts = severity_counts(result)
    n = len(result.changes)
    text = f"{n} change{'s' if n != 1 else ''}: " + ", ".join(
        f"{counts[s]} {s}" for s in SEVERITIES if counts[s]
    )
    if not result.has_semantic_changes:
        text += " (wording only, no semantic change)"
    return text


def title(result: DiffResult) -> str:
    """The policy's title, or 'old → new' when it changed."""
    old, new = result.old.get("title"), result.new.get("title")
    if old and new and old != new:
        return f"{old} → {new}"
    return str(new or old or "(untitled policy)")


def describe_side(header: dict[str, Any]) -> str:
    """One version in a line: 'policy 00220 · Blue Cross … · effective 2024-07-08'."""
    dates = header.get("dates") or {}
    parts = [
        f"policy {header['policy_number']}" if header.get("policy_number") else None,
        header.get("payer"),
        f"effective {dates['effective']}" if dates.get("effective") else None,
        f"last review {dates['last_review']}" if dates.get("last_review") else None,
        f"next review {dates['next_review']}" if dates.get("next_review") else None,
        f"published {dates['published']}" if dates.get("published") else None,
    ]
    return " · ".join(p for p in parts if p) or "(no identifying details)"


def when(moment: datetime | None) -> str:
    """A moment for a reader: '2026-11-02 06:00 UTC'; none is '—'."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def short(commit: str | None) -> str:
    """A commit as a reader copies it: its first 12 hex digits; none is '—'."""
    return commit[:12] if commit else "—"


def library_title(title: str, was: str | None) -> str:
    """An index entry as a reader names it; a renamed one says what it was: 'Old → New'."""
    return f"{was} → {title}" if was is not None and was != title else title

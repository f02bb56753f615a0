"""Dated fields: each one that moved, appeared or disappeared."""

from __future__ import annotations

from policywatch.diff.changes import Change
from policywatch.model import DATE_FIELDS, Action, ChangeKind, Dates, Severity

DATE_LABELS = {
    "original_effective": "Original effective date",
    "effective": "Effective date",
    "last_review": "Last review date",
    "next_review": "Next review date",
    "published": "Published date",
}

# The effective date decides which claims the policy governs; the rest is bookkeeping.
MEDIUM_DATES = frozenset({"effective"})


def diff_dates(old: Dates, new: Dates) -> list[Change]:
    changes = []
    for name in DATE_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        label = DATE_LABELS[name]
        severity = Severity.MEDIUM if name in MEDIUM_DATES else Severity.LOW
        if before is None:
            action, summary = Action.ADDED, f"{label} added: {after}"
        elif after is None:
            action, summary = Action.REMOVED, f"{label} removed (was {before})"
        else:
            action, summary = Action.MODIFIED, f"{label}: {before} → {after}"
        changes.append(
            Change(
                ChangeKind.DATE,
                action,
                severity,
                f"dates.{name}",
                summary,
                None if before is None else {name: before},
                None if after is None else {name: after},
            )
        )
    return changes

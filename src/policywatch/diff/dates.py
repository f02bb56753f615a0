"""Dated fields: each one that moved, appeared or disappeared."""

from __future__ import annotations

from policywatch.diff.changes import Change
from policywatch.model import DATE_FIELDS, Dates

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
        severity = "medium" if name in MEDIUM_DATES else "low"
        if before is None:
            action, summary = "added", f"{label} added: {after}"
        elif after is None:
            action, summary = "removed", f"{label} removed (was {before})"
        else:
            action, summary = "modified", f"{label}: {before} → {after}"
        changes.append(
            Change(
                "date",
                action,
                severity,
                f"dates.{name}",
                summary,
                None if before is None else {name: before},
                None if after is None else {name: after},
            )
        )
    return changes

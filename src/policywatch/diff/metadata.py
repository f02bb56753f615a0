"""Identifying metadata: title, policy number, payer, reference number."""

from __future__ import annotations

from policywatch.diff.changes import Change
from policywatch.diff.normalize import norm_key, norm_text
from policywatch.model import Action, ChangeKind, Policy, Severity

METADATA_LABELS = {
    "title": "Title",
    "policy_number": "Policy number",
    "payer": "Payer",
    "reference_number": "Reference number",
}


def diff_metadata(old: Policy, new: Policy) -> list[Change]:
    changes = []
    for name, label in METADATA_LABELS.items():
        before, after = getattr(old, name), getattr(new, name)
        if norm_key(before) == norm_key(after):
            continue  # case and punctuation are formatting, not identity
        if not before:
            action, summary = Action.ADDED, f"{label} added: {norm_text(after)}"
        elif not after:
            action, summary = Action.REMOVED, f"{label} removed (was {norm_text(before)})"
        else:
            action, summary = Action.MODIFIED, f"{label}: {norm_text(before)} → {norm_text(after)}"
        changes.append(
            Change(
                ChangeKind.METADATA,
                action,
                Severity.LOW,
                name,
                summary,
                {name: before} if before else None,
                {name: after} if after else None,
            )
        )
    return changes

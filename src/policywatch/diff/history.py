"""Policy history entries, keyed by (date, end date, normalized action).

An entry whose wording changed on the same date pairs as "modified" when the
two actions are mostly the same words; otherwise it is a removal and an
addition.
"""

from __future__ import annotations

from dataclasses import asdict
from difflib import SequenceMatcher

from policywatch.diff.changes import Change
from policywatch.diff.matching import pair_items
from policywatch.diff.normalize import norm_key, shorten
from policywatch.model import Action, ChangeKind, HistoryEntry, Severity

REWORDED_THRESHOLD = 0.8


def _when(entry: HistoryEntry) -> str:
    return f"{entry.date} to {entry.end_date}" if entry.end_date else entry.date


def history_key(entry: HistoryEntry) -> str:
    return f"{_when(entry)}|{norm_key(entry.action)}"


def diff_history(old: list[HistoryEntry], new: list[HistoryEntry]) -> list[Change]:
    def reworded(i: int, j: int) -> float:
        if _when(old[i]) != _when(new[j]):
            return 0.0
        return SequenceMatcher(None, norm_key(old[i].action), norm_key(new[j].action)).ratio()

    pairing = pair_items(
        [history_key(e) for e in old], [history_key(e) for e in new], reworded, REWORDED_THRESHOLD
    )
    changes = []
    for i, j in pairing.pairs:
        if history_key(old[i]) != history_key(new[j]):
            changes.append(_modified(old[i], new[j]))
    changes += [_removed(old[i]) for i in pairing.old_only]
    changes += [_added(new[j]) for j in pairing.new_only]
    return changes


def _field(entry: HistoryEntry) -> str:
    return f"history[{_when(entry)}]"


def _modified(before: HistoryEntry, after: HistoryEntry) -> Change:
    summary = f"History entry {_when(before)} reworded: {shorten(after.action)}"
    return Change(
        ChangeKind.HISTORY,
        Action.MODIFIED,
        Severity.LOW,
        _field(before),
        summary,
        asdict(before),
        asdict(after),
    )


def _added(entry: HistoryEntry) -> Change:
    summary = f"History entry added: {_when(entry)} {shorten(entry.action)}"
    return Change(
        ChangeKind.HISTORY, Action.ADDED, Severity.LOW, _field(entry), summary, None, asdict(entry)
    )


def _removed(entry: HistoryEntry) -> Change:
    summary = f"History entry removed: {_when(entry)} {shorten(entry.action)}"
    return Change(
        ChangeKind.HISTORY,
        Action.REMOVED,
        Severity.LOW,
        _field(entry),
        summary,
        asdict(entry),
        None,
    )

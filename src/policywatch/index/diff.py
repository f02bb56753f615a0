"""Two listings of one index → what appeared, disappeared or was renamed.

Entries are keyed by link; an entry whose link changed but whose policy number did
not is the same policy, renamed (or moved). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from policywatch.index.model import Entry
from policywatch.model import Severity


class LibraryAction(StrEnum):
    NEW = "new"
    RETIRED = "retired"
    RENAMED = "renamed"


SEVERITY = {
    LibraryAction.NEW: Severity.MEDIUM,  # a new policy is often a new restriction
    LibraryAction.RETIRED: Severity.HIGH,
    LibraryAction.RENAMED: Severity.LOW,
}

# An index that loses more than this share of its entries at once is suspect, once it
# listed at least SUSPECT_MIN entries (a page that lost its table, a login wall).
SUSPECT_SHARE = 0.5
SUSPECT_MIN = 4


@dataclass(frozen=True)
class LibraryChange:
    """One entry that appeared, disappeared or changed title / number / link."""

    action: LibraryAction
    entry: Entry  # as listed now (as last listed, when retired)
    before: Entry | None = None  # renamed: as it was listed

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.action]

    @property
    def moved_from(self) -> str | None:
        """Renamed: the link it was listed at, when that changed."""
        if self.before is None or self.before.link == self.entry.link:
            return None
        return self.before.link

    @property
    def summary(self) -> str:
        said = _label(self.entry)
        if self.action is LibraryAction.RENAMED and self.before is not None:
            return f"{_label(self.before)} → {said}"
        return said


def _label(entry: Entry) -> str:
    return f"{entry.number} {entry.title}" if entry.number else entry.title


def compare(before: Iterable[Entry], after: Iterable[Entry]) -> list[LibraryChange]:
    """Changes from listing ``before`` to ``after`` (active entries of each), in a
    stable order: new, retired, renamed, each by link."""
    old = {e.key: e for e in before}
    new = {e.key: e for e in after}
    appeared = [e for k, e in new.items() if k not in old]
    gone = [e for k, e in old.items() if k not in new]
    renamed: list[LibraryChange] = []
    for key in sorted(set(old) & set(new)):
        if (old[key].title, old[key].number) != (new[key].title, new[key].number):
            renamed.append(LibraryChange(LibraryAction.RENAMED, new[key], old[key]))
    # A policy that moved to a new link under the same number is renamed, not new.
    by_number = {e.number: e for e in gone if e.number}
    moved = []
    for entry in appeared:
        previous = by_number.pop(entry.number, None) if entry.number else None
        if previous is not None:
            moved.append(entry)
            renamed.append(LibraryChange(LibraryAction.RENAMED, entry, previous))
    still_gone = [e for e in gone if not (e.number and e.number in _numbers(moved))]
    changes = [
        LibraryChange(LibraryAction.NEW, e)
        for e in sorted(appeared, key=lambda e: e.link)
        if e not in moved
    ]
    changes += [
        LibraryChange(LibraryAction.RETIRED, e) for e in sorted(still_gone, key=lambda e: e.link)
    ]
    return changes + sorted(renamed, key=lambda c: c.entry.link)


def _numbers(entries: list[Entry]) -> set[str]:
    return {e.number for e in entries if e.number}


def suspect_reason(before: list[Entry], after: list[Entry]) -> str | None:
    """Why a new listing reads as a broken page rather than a library change (None when
    it does not): it lists nothing where there were entries, or lost most of them."""
    if before and not after:
        return f"the index lists no policies (it listed {len(before)})"
    kept = len({e.key for e in after} & {e.key for e in before})
    if before and not kept:  # e.g. the list is gone and only the site's links are left
        return f"the index lists none of its {len(before)} policies"
    if len(before) >= SUSPECT_MIN and len(before) - kept > len(before) * SUSPECT_SHARE:
        lost = len(before) - kept
        return f"the index lost {lost} of its {len(before)} policies at once"
    return None

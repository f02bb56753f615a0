"""``list``: every tracked policy as it stands, with its last change and whether its
review is overdue.

The *last change* is the newest recorded version that changed something a reader
sees (its comparison with the version before, text changes that only restate a
semantic one not counted: :mod:`policywatch.report.restated`); a parser upgrade
(``reparse``) is never one. *Overdue* is the report's rule
(:func:`policywatch.report.overdue.review_due`): the next review date passed and no
new version was recorded since it fell due.

Filters that need only the current version (payer, plan, status) apply first, so
the history is read for the policies that remain; the last change of each is found
by reading its newest versions in batches, one round per version back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path

from policywatch.diff import diff_policies
from policywatch.index import stored_records
from policywatch.model import CoverageStatus
from policywatch.portfolio.versions import Step, Tracked, recorded_steps, tracked
from policywatch.report.model import headline, highest
from policywatch.report.overdue import review_due
from policywatch.report.restated import countable
from policywatch.store import Store, load_policy, read_blobs_by_id


@dataclass(frozen=True)
class ListFilter:
    """``list``'s filters; all that are set must hold."""

    payer: str | None = None  # part of the payer's name or folder, any case
    plan: str | None = None  # part of the plan / line of business, any case
    status: CoverageStatus | None = None  # a current coverage statement has it
    overdue: bool = False  # only policies whose review is overdue
    changed_since: date | None = None  # last change recorded on or after this day (UTC)


@dataclass(frozen=True)
class LastChange:
    recorded_at: datetime
    commit: str
    severity: str | None  # the most serious change it made
    summary: str  # the most serious change, and how many more


@dataclass(frozen=True)
class PolicyRow:
    """One tracked policy, as ``list`` shows it."""

    policy_dir: str
    source_id: str | None
    payer: str | None
    plan: str | None
    policy_number: str | None
    title: str | None
    source: str | None  # URL or path, as the sources config gave it
    effective: str | None
    next_review: str | None
    coverage: tuple[tuple[str, str], ...]  # (indication, status) of the current version
    first_recorded: datetime | None
    last_change: LastChange | None  # None: never changed since first recorded
    overdue: bool
    index: str | None = None  # the policy index whose listing made it a source
    retired: str | None = None  # the day that index stopped listing it (its versions stay)

    @property
    def statuses(self) -> tuple[str, ...]:
        """Its statements' statuses, each once, in document order."""
        return tuple(dict.fromkeys(status for _, status in self.coverage))

    @property
    def name(self) -> str:
        return self.source_id or self.policy_dir


def list_policies(
    store_dir: str | Path, filters: ListFilter | None = None, today: date | None = None
) -> list[PolicyRow]:
    """Every tracked policy that passes ``filters``, by payer, plan and policy number.
    ``today`` decides what is overdue (default: today in UTC)."""
    wanted = filters or ListFilter()
    day = today or datetime.now(UTC).date()
    with Store.open(store_dir) as store:
        current = [t for t in tracked(store) if _keeps(t, wanted)]
        steps = recorded_steps(store, [t.dir for t in current])
        last = _last_changes(store, {t.dir: steps.get(t.dir, []) for t in current})
        members = index_members(store)
        rows = [_row(t, steps.get(t.dir, []), last.get(t.dir), day) for t in current]
        rows = [
            replace(r, index=found[0], retired=found[1])
            if r.source_id and (found := members.get(r.source_id))
            else r
            for r in rows
        ]
        rows = [r for r in rows if _keeps_row(r, wanted)]
        return sorted(rows, key=_order)


def index_members(store: Store) -> dict[str, tuple[str, str | None]]:
    """Source id → (the index that made it a source, the day it was retired from that
    index or None), from the index records current in the store."""
    if store.head() is None:
        return {}
    found: dict[str, tuple[str, str | None]] = {}
    for record in stored_records(store, store.tree()).values():
        for entry in record.entries:
            if entry.source is not None:
                found.setdefault(entry.source, (record.id, entry.retired))
    return found


def _keeps(entry: Tracked, wanted: ListFilter) -> bool:
    payer = entry.policy.payer or entry.meta.payer or ""
    if wanted.payer and not _contains([payer, entry.dir.split("/")[0]], wanted.payer):
        return False
    if wanted.plan and not _contains([entry.meta.plan or ""], wanted.plan):
        return False
    return not wanted.status or any(c.status == wanted.status for c in entry.policy.coverage)


def _contains(values: list[str], part: str) -> bool:
    needle = " ".join(part.casefold().split())
    return any(needle in " ".join(value.casefold().split()) for value in values)


def _keeps_row(row: PolicyRow, wanted: ListFilter) -> bool:
    if wanted.overdue and not row.overdue:
        return False
    if wanted.changed_since is not None:
        changed = row.last_change
        return changed is not None and changed.recorded_at.date() >= wanted.changed_since
    return True


def _row(entry: Tracked, steps: list[Step], last: LastChange | None, day: date) -> PolicyRow:
    policy, meta = entry.policy, entry.meta
    first = next((s for s in steps if s.before is None and s.after is not None), None)
    return PolicyRow(
        policy_dir=entry.dir,
        source_id=meta.id,
        payer=policy.payer or meta.payer,
        plan=meta.plan,
        policy_number=policy.policy_number,
        title=policy.title or meta.title,
        source=meta.source,
        effective=policy.dates.effective,
        next_review=policy.dates.next_review,
        coverage=tuple((c.indication, c.status.value) for c in policy.coverage),
        first_recorded=first.recorded_at if first else None,
        last_change=last,
        overdue=_overdue(entry, steps, day),
    )


def _overdue(entry: Tracked, steps: list[Step], day: date) -> bool:
    due = review_due(entry.data, day)
    if due is None:
        return False
    since = int(datetime.combine(due, time(), UTC).timestamp())
    return not any(s.is_revision and s.timestamp >= since for s in steps)


def _last_changes(store: Store, steps: dict[str, list[Step]]) -> dict[str, LastChange]:
    """Each policy's newest revision that changed what a reader sees: its newest
    revisions are compared first, all policies at once, then the next older ones for
    the policies whose newest changed nothing visible."""
    waiting = {d: [s for s in reversed(found) if s.is_revision] for d, found in steps.items()}
    found: dict[str, LastChange] = {}
    while waiting:
        round_ = {d: queue.pop(0) for d, queue in waiting.items() if queue}
        texts = read_blobs_by_id(store, [b for s in round_.values() for b in (s.before, s.after)])
        for policy_dir, step in round_.items():
            change = _change_of(step, texts)
            if change is not None:
                found[policy_dir] = change
                del waiting[policy_dir]
        waiting = {d: queue for d, queue in waiting.items() if queue}
    return found


def _change_of(step: Step, texts: dict[str, bytes]) -> LastChange | None:
    old = load_policy(texts.get(step.before or ""))
    new = load_policy(texts.get(step.after or ""))
    if old is None or new is None:
        return None
    changes = countable(diff_policies(old, new).changes)
    if not changes:
        return None
    return LastChange(step.recorded_at, step.commit, highest(changes), headline(changes))


def _order(row: PolicyRow) -> tuple[str, str, str, str]:
    return (
        (row.payer or "").casefold(),
        (row.plan or "").casefold(),
        row.policy_number or "",
        row.policy_dir,
    )

"""Build a :class:`Report` from the store for a period.

The changes are those recorded by snapshot commits dated in the period;
each policy is compared with its version just before its first change in the
period (the version current at the start, or its re-normalized form if a
``reparse`` came in between). Reparse commits are never a change. A policy
first recorded in the period is *added*, not changed.

Cost: :func:`policywatch.store.period_runs` (one ``git log`` of commit times,
one ``git log --raw`` of the period's commits), one tree listing and batched
blob reads; history before the period is read only for overdue-review
candidates. The store package runs every git command.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from policywatch.diff import diff_policies
from policywatch.model import Policy
from policywatch.report.failures import FailureNote, failed_sources, failure_notes
from policywatch.report.model import SEVERITY_RANK, OverdueReview, PolicyChange, Report
from policywatch.report.overdue import last_revised, review_due
from policywatch.report.period import Period
from policywatch.store import (
    ZERO_SHA,
    PolicyFolder,
    Run,
    Store,
    period_runs,
    policy_changes_since,
    read_blobs_by_id,
)
from policywatch.store.records import load_json, load_policy

READ_BATCH = 250  # policy.json files per blob read: bounds memory on large stores


def build_report(store_dir: str | Path, period: Period, now: datetime | None = None) -> Report:
    store = Store.open(store_dir)
    recorded = period_runs(store, int(period.start.timestamp()), int(period.end.timestamp()))
    runs, end_commit = recorded.runs, recorded.end_commit
    folders = store.folders(end_commit) if end_commit else {}
    tracked = {d: f for d, f in folders.items() if f.has_policy}
    notes = failure_notes(runs)
    touched = {d for run in runs for d in run.policies} | {n.policy_dir or "" for n in notes}
    store.load_meta([tracked[d] for d in sorted(touched) if d in tracked])
    return Report(
        period=period,
        store=str(store_dir),
        generated_at=now or datetime.now(UTC),
        end_commit=end_commit,
        start_commit=recorded.start_commit,
        tracked=len(tracked),
        policies=tuple(_policy_changes(store, runs, tracked)),
        failed=tuple(failed_sources(notes, runs, tracked, _current_of(store, notes, tracked))),
        overdue=tuple(_overdue(store, period, end_commit, tracked)),
        commits=sum(1 for run in runs if not run.is_reparse),
    )


# -- changed and added policies -------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """One policy's snapshot changes in the period: first old blob → last new blob."""

    policy_dir: str
    old_blob: str
    new_blob: str
    old_commit: str | None
    new_commit: str
    recorded_at: int


def _spans(runs: list[Run]) -> list[_Span]:
    by_policy: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        if run.is_reparse:
            continue  # a parser upgrade: same documents, not a policy change
        for policy_dir in run.policies:
            by_policy[policy_dir].append(run)
    spans = []
    for policy_dir, touching in by_policy.items():
        first, last = touching[0], touching[-1]
        old, new = first.policies[policy_dir].old, last.policies[policy_dir].new
        if new == ZERO_SHA or old == new:
            continue  # removed by hand, or changed and changed back
        old_commit = first.parent if old != ZERO_SHA else None
        spans.append(_Span(policy_dir, old, new, old_commit, last.commit, last.timestamp))
    return spans


def _policy_changes(
    store: Store, runs: list[Run], tracked: dict[str, PolicyFolder]
) -> list[PolicyChange]:
    spans = _spans(runs)
    texts = read_blobs_by_id(store, [b for s in spans for b in (s.old_blob, s.new_blob)])
    found = []
    for span in spans:
        new = load_policy(texts.get(span.new_blob))
        old = load_policy(texts.get(span.old_blob))
        if new is None or (old is None and span.old_blob != ZERO_SHA):
            continue  # an unreadable version is `verify`'s business, not the report's
        change = _policy_change(span, old, new, tracked.get(span.policy_dir))
        if change is not None:
            found.append(change)
    return sorted(found, key=_reading_order)


def _policy_change(
    span: _Span, old: Policy | None, new: Policy, folder: PolicyFolder | None
) -> PolicyChange | None:
    diff = diff_policies(old, new) if old is not None else None
    if diff is not None and not diff.changes:
        return None  # the JSON moved but nothing a reader would see did
    meta = (folder.meta if folder else None) or {}
    return PolicyChange(
        policy_dir=span.policy_dir,
        source_id=meta.get("id"),
        status="changed" if diff is not None else "added",
        payer=new.payer or meta.get("payer"),
        policy_number=new.policy_number,
        title=new.title or meta.get("title"),
        source=meta.get("url") or meta.get("path"),
        old_commit=span.old_commit,
        new_commit=span.new_commit,
        recorded_at=datetime.fromtimestamp(span.recorded_at, UTC),
        diff=diff,
        coverage=tuple((c.indication, c.status) for c in new.coverage),
    )


def _reading_order(change: PolicyChange) -> tuple[int, int, str, str, str]:
    """Changed before added, high severity first, then by payer and policy number."""
    return (
        0 if change.status == "changed" else 1,
        SEVERITY_RANK[change.highest_severity],
        (change.payer or "").casefold(),
        change.policy_number or "",
        change.policy_dir,
    )


# -- failed sources -------------------------------------------------------------------------


def _current_of(
    store: Store, notes: list[FailureNote], tracked: dict[str, PolicyFolder]
) -> dict[str, dict[str, Any]]:
    """The current policy.json of each failed policy that has one (for title and payer)."""
    folders = {n.policy_dir: tracked[n.policy_dir] for n in notes if n.policy_dir in tracked}
    texts = read_blobs_by_id(store, [f.json_blob or ZERO_SHA for f in folders.values()])
    found = {}
    for policy_dir, folder in folders.items():
        data = load_json(texts.get(folder.json_blob or ""))
        if data is not None and policy_dir:
            found[policy_dir] = data
    return found


# -- overdue reviews ------------------------------------------------------------------------


def _overdue(
    store: Store, period: Period, end_commit: str | None, tracked: dict[str, PolicyFolder]
) -> list[OverdueReview]:
    if end_commit is None:
        return []
    candidates = {}
    for folder, data in _current_policies(store, tracked):
        due = review_due(data, period.until)
        if due is not None:
            candidates[folder.dir] = (data, due)
    revised = _revised_in_store(store, end_commit, {d: due for d, (_, due) in candidates.items()})
    due_dirs = sorted(set(candidates) - revised)
    store.load_meta([tracked[d] for d in due_dirs])
    found = [_overdue_entry(tracked[d], candidates[d][0], end_commit) for d in due_dirs]
    return sorted(found, key=lambda o: (o.next_review, (o.payer or "").casefold(), o.policy_dir))


def _current_policies(
    store: Store, tracked: dict[str, PolicyFolder]
) -> Iterator[tuple[PolicyFolder, dict[str, Any]]]:
    folders = sorted(tracked.values(), key=lambda f: f.dir)
    for i in range(0, len(folders), READ_BATCH):
        batch = folders[i : i + READ_BATCH]
        texts = read_blobs_by_id(store, [f.json_blob or ZERO_SHA for f in batch])
        for folder in batch:
            data = load_json(texts.get(folder.json_blob or ""))
            if data is not None:
                yield folder, data


def _revised_in_store(store: Store, end_commit: str, due: dict[str, date]) -> set[str]:
    """Policies the store saw change (not first recorded) on or after their due date.

    The document may not show it (a silent edit), but a new version is a new version.
    """
    if not due:
        return set()
    due_at = {d: int(datetime.combine(day, time(), UTC).timestamp()) for d, day in due.items()}
    revised = set()
    for run in policy_changes_since(store, end_commit, min(due_at.values()), due_at):
        if run.is_reparse:
            continue
        for policy_dir, change in run.policies.items():
            since = due_at.get(policy_dir)
            if change.status == "M" and since is not None and run.timestamp >= since:
                revised.add(policy_dir)
    return revised


def _overdue_entry(folder: PolicyFolder, data: dict[str, Any], commit: str) -> OverdueReview:
    meta = folder.meta or {}
    return OverdueReview(
        policy_dir=folder.dir,
        payer=data.get("payer") or meta.get("payer"),
        policy_number=data.get("policy_number"),
        title=data.get("title") or meta.get("title"),
        next_review=str((data.get("dates") or {}).get("next_review")),
        last_revised=last_revised(data),
        source=meta.get("url") or meta.get("path"),
        commit=commit,
    )

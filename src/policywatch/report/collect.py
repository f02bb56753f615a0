"""Build a :class:`Report` from the store for a period.

The changes are those recorded by snapshot commits dated in the period;
each policy is compared with its version just before its first change in the
period (the version current at the start, or its re-normalized form if a
``reparse`` came in between). Reparse commits are never a change. A policy
first recorded in the period is *added*; when later versions followed in the
same period it is *changed* too, compared with its first version. Every
version recorded in the period is listed, and a change a later version undid
(a coverage statement removed on 11-05 and restored on 11-06) is reported as
*changed, then reverted*, with both dates, though the net comparison no
longer shows it.

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

from policywatch.diff import Change, DiffResult, diff_policies
from policywatch.index import IndexRecord, LibraryAction, stored_records
from policywatch.index.diff import SEVERITY as LIBRARY_SEVERITY
from policywatch.model import Action, Policy
from policywatch.report.failures import EarlierRuns, FailureNote, failed_sources, failure_notes
from policywatch.report.model import (
    SEVERITY_RANK,
    FailedSource,
    LibraryItem,
    OverdueReview,
    PayerLibrary,
    PolicyChange,
    Report,
    RevertedChange,
    VersionStep,
    headline,
    highest,
)
from policywatch.report.overdue import last_revised, review_due
from policywatch.report.period import Period
from policywatch.report.restated import countable, restatements
from policywatch.store import (
    Meta,
    PolicyFolder,
    RunCommit,
    Store,
    load_json,
    load_policy,
    period_runs,
    policy_changes_since,
    read_blobs_by_id,
    runs_before,
)

READ_BATCH = 250  # policy.json files per blob read: bounds memory on large stores


def build_report(store_dir: str | Path, period: Period, now: datetime | None = None) -> Report:
    with Store.open(store_dir) as store:
        recorded = period_runs(store, int(period.start.timestamp()), int(period.end.timestamp()))
        runs, end_commit = recorded.runs, recorded.end_commit
        folders = store.folders(end_commit) if end_commit else {}
        tracked = {d: f for d, f in folders.items() if f.has_policy}
        notes = failure_notes(runs)
        touched = {d for run in runs for d in run.policies} | {n.policy_dir or "" for n in notes}
        metas = store.read_meta([tracked[d] for d in sorted(touched) if d in tracked])
        earlier = EarlierRuns(runs_before(store, recorded.earlier))
        current = _current_of(store, notes, tracked)
        failed = tuple(failed_sources(notes, runs, earlier, tracked, metas, current))
        return Report(
            period=period,
            store=str(store_dir),
            generated_at=now or datetime.now(UTC),
            end_commit=end_commit,
            start_commit=recorded.start_commit,
            tracked=len(tracked),
            policies=tuple(_policy_changes(store, runs, metas)),
            failed=failed,
            overdue=tuple(_overdue(store, period, end_commit, tracked)),
            commits=sum(1 for run in runs if not run.is_reparse),
            library=_with_retirements(_library(store, runs, end_commit), failed),
        )


# -- policy library changes (indexes) --------------------------------------------------------


def _library(
    store: Store, runs: list[RunCommit], end_commit: str | None
) -> tuple[PayerLibrary, ...]:
    """The run logs' library lines, by payer (from the index records current at the end
    of the period, which keep retired entries: number, plan and tracked source)."""
    lines = [(run, line) for run in runs if run.is_snapshot for line in run.log.library]
    if not lines or end_commit is None:
        return ()
    records: dict[str, IndexRecord] = {
        r.id: r for r in stored_records(store, store.tree(end_commit)).values()
    }
    by_payer: dict[str, list[LibraryItem]] = defaultdict(list)
    for run, line in lines:
        record = records.get(line.index_id)
        entry = next((e for e in record.entries if e.link == line.link), None) if record else None
        try:
            severity = str(LIBRARY_SEVERITY[LibraryAction(line.action)])
        except ValueError:
            severity = "low"
        by_payer[record.payer if record else line.index_id].append(
            LibraryItem(
                action=line.action,
                severity=severity,
                index_id=line.index_id,
                title=line.title,
                link=line.link,
                recorded_at=datetime.fromtimestamp(run.timestamp, UTC),
                number=entry.number if entry else None,
                plan=record.plan if record else None,
                source_id=entry.source if entry else None,
                was=line.was,
                was_link=line.was_link,
            )
        )
    return tuple(PayerLibrary(payer, tuple(items)) for payer, items in sorted(by_payer.items()))


def _with_retirements(
    library: tuple[PayerLibrary, ...], failed: tuple[FailedSource, ...]
) -> tuple[PayerLibrary, ...]:
    """A page saying its policy was retired or archived, still so at the period's end, is
    one high-severity "retired" entry in its payer's library changes (the last version
    stays current), whether or not an index lists the payer's policies."""
    notices = [f for f in failed if f.stage == "retired" and f.recovered_at is None]
    if not notices:
        return library
    by_payer = {entry.payer: list(entry.items) for entry in library}
    for notice in notices:
        by_payer.setdefault(notice.payer or notice.source_id, []).append(
            LibraryItem(
                action="retired",
                severity="high",
                index_id="",  # the policy's own page said so, not an index
                title=notice.title or notice.source_id,
                link=notice.source or "",
                recorded_at=notice.first_failed_at,
                source_id=notice.source_id,
            )
        )
    return tuple(PayerLibrary(payer, tuple(items)) for payer, items in sorted(by_payer.items()))


# -- changed and added policies -------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """One snapshot (or hand) commit's change to one policy.json: blob before → after
    (None: absent)."""

    run: RunCommit
    old: str | None
    new: str | None


def _steps(runs: list[RunCommit]) -> dict[str, list[_Step]]:
    """Each policy's recorded changes in the period, oldest first (reparse commits are a
    parser upgrade: same documents, not a policy change)."""
    by_policy: dict[str, list[_Step]] = defaultdict(list)
    for run in runs:
        if run.is_reparse:
            continue
        for policy_dir, change in run.policies.items():
            by_policy[policy_dir].append(_Step(run, change.before, change.after))
    return by_policy


def _policy_changes(
    store: Store, runs: list[RunCommit], metas: dict[str, Meta]
) -> list[PolicyChange]:
    found = []
    histories = sorted(_steps(runs).items())
    for i in range(0, len(histories), READ_BATCH):
        batch = histories[i : i + READ_BATCH]
        texts = read_blobs_by_id(
            store, [b for _, steps in batch for s in steps for b in (s.old, s.new)]
        )
        for policy_dir, steps in batch:
            found += _policy_entries(policy_dir, steps, texts, metas.get(policy_dir) or Meta())
    return sorted(found, key=_reading_order)


def _policy_entries(
    policy_dir: str, steps: list[_Step], texts: dict[str, bytes], meta: Meta
) -> list[PolicyChange]:
    """The ``added`` and / or ``changed`` entries for one policy's steps in the period."""
    if steps[-1].new is None:
        return []  # removed by hand
    base = steps[0].old
    # The versions recorded in the period, each with the version it replaced; a version
    # that cannot be read is `verify`'s business, not the report's: it is left out.
    versions: list[tuple[_Step, Policy, Policy | None]] = []
    previous = load_policy(texts.get(base)) if base is not None else None
    if base is not None and previous is None:
        return []
    for step in steps:
        current = load_policy(texts.get(step.new)) if step.new is not None else None
        if current is None:
            continue
        before = load_policy(texts.get(step.old)) if step.old is not None else None
        versions.append((step, current, before or previous))
        previous = current
    if not versions:
        return []
    entries = []
    if base is None:  # first recorded in the period
        first, first_policy, _ = versions.pop(0)
        entries.append(_added(policy_dir, first, first_policy, meta))
    if versions:
        changed = _changed(policy_dir, base, steps[0], versions, meta)
        if changed is not None:
            entries.append(changed)
    return entries


def _added(policy_dir: str, step: _Step, policy: Policy, meta: Meta) -> PolicyChange:
    return PolicyChange(
        **_identity(policy_dir, policy, meta),
        status="added",
        old_commit=None,
        new_commit=step.run.commit,
        recorded_at=_when(step.run),
        coverage=tuple((c.indication, c.status) for c in policy.coverage),
    )


def _changed(
    policy_dir: str,
    base: str | None,
    first: _Step,
    versions: list[tuple[_Step, Policy, Policy | None]],
    meta: Meta,
) -> PolicyChange | None:
    """Net comparison (the version before the first step against the last), every step
    after it, and what those steps changed and undid again."""
    compared = versions[0][2]
    assert compared is not None  # a step after the first version always has one before it
    last_step, last, _ = versions[-1]
    net = diff_policies(compared, last)
    steps = []
    for step, current, before in versions:
        assert before is not None
        same = before is compared and current is last
        steps.append((step, net if same else diff_policies(before, current)))
    reverted = _reverted(steps, net)
    if not net.changes and not reverted:
        return None  # the JSON moved but nothing a reader would see did
    first_recorded = base is None
    return PolicyChange(
        **_identity(policy_dir, last, meta),
        status="changed",
        old_commit=first.run.commit if first_recorded else first.run.parent,
        new_commit=last_step.run.commit,
        recorded_at=_when(last_step.run),
        diff=net,
        coverage=tuple((c.indication, c.status) for c in last.coverage),
        versions=tuple(_version_step(step, diff) for step, diff in steps),
        reverted=tuple(reverted),
        first_recorded_in_period=first_recorded,
        restated=restatements(net.changes),
    )


def _identity(policy_dir: str, policy: Policy, meta: Meta) -> dict[str, Any]:
    return {
        "policy_dir": policy_dir,
        "source_id": meta.id,
        "payer": policy.payer or meta.payer,
        "policy_number": policy.policy_number,
        "title": policy.title or meta.title,
        "source": meta.source,
        "plan": meta.plan,
    }


def _version_step(step: _Step, diff: DiffResult) -> VersionStep:
    changes = countable(diff.changes)
    summary = headline(changes) if changes else "No change a reader would see"
    return VersionStep(step.run.commit, _when(step.run), summary, highest(changes))


def _reverted(steps: list[tuple[_Step, DiffResult]], net: DiffResult) -> list[RevertedChange]:
    """Changes undone within the period. Per changed item (kind and field), an episode
    opens with its first change and closes at the change that puts back the value it
    had before; an episode still open at the end is the net change, unless the net
    comparison does not show that item (then it too was undone, at its last change)."""
    opened: dict[tuple[str, str], tuple[Change, RunCommit, Any, RunCommit]] = {}
    found: list[RevertedChange] = []
    for step, diff in steps:
        for change in countable(diff.changes):  # a restatement is undone with its change
            key: tuple[str, str] = (change.kind, change.field)
            first, first_run, original, _ = opened.get(
                key, (change, step.run, change.before, step.run)
            )
            if change.after == original:
                found.append(_undone(first, first_run, step.run))
                opened.pop(key, None)
            else:
                opened[key] = (first, first_run, original, step.run)
    in_net = {(c.kind, c.field) for c in countable(net.changes)}
    for key, (first, first_run, _, last_run) in opened.items():
        if key not in in_net:
            found.append(_undone(first, first_run, last_run))
    return sorted(found, key=lambda r: (r.changed_at, SEVERITY_RANK[r.change.severity]))


def _undone(change: Change, changed: RunCommit, reverted: RunCommit) -> RevertedChange:
    return RevertedChange(change, _when(changed), changed.commit, _when(reverted), reverted.commit)


def _when(run: RunCommit) -> datetime:
    return datetime.fromtimestamp(run.timestamp, UTC)


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
    texts = read_blobs_by_id(store, [f.json_blob for f in folders.values()])
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
    metas = store.read_meta([tracked[d] for d in due_dirs])
    found = [
        _overdue_entry(d, metas.get(d) or Meta(), candidates[d][0], end_commit) for d in due_dirs
    ]
    return sorted(found, key=lambda o: (o.next_review, (o.payer or "").casefold(), o.policy_dir))


def _current_policies(
    store: Store, tracked: dict[str, PolicyFolder]
) -> Iterator[tuple[PolicyFolder, dict[str, Any]]]:
    folders = sorted(tracked.values(), key=lambda f: f.dir)
    for i in range(0, len(folders), READ_BATCH):
        batch = folders[i : i + READ_BATCH]
        texts = read_blobs_by_id(store, [f.json_blob for f in batch])
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
            modified = change.action == Action.MODIFIED
            if modified and since is not None and run.timestamp >= since:
                revised.add(policy_dir)
    return revised


def _overdue_entry(policy_dir: str, meta: Meta, data: dict[str, Any], commit: str) -> OverdueReview:
    return OverdueReview(
        policy_dir=policy_dir,
        payer=data.get("payer") or meta.payer,
        policy_number=data.get("policy_number"),
        title=data.get("title") or meta.title,
        next_review=str((data.get("dates") or {}).get("next_review")),
        last_revised=last_revised(data),
        source=meta.source,
        commit=commit,
        source_id=meta.id,
        plan=meta.plan,
    )

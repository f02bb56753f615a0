"""Source health as data: for each configured source, when it last fetched fine, its last
change (date, severity), whether it is failing (since when, for how many runs), whether
a held-back document waits for a decision, and whether its review is overdue.

Everything is read as data, never from prose:

- the history (:func:`policywatch.store.period_runs`): every commit with its run log
  (:class:`policywatch.store.Run`, which names each run's failed sources) and the
  policy.json files it changed — one ``git log`` for the whole history;
- the current tree: policy.json (the next review date), ``failed/error.json`` (a
  suspect or retired document held back, :class:`policywatch.store.FailedRecord`);
- the fetch ledger each snapshot run keeps (:class:`.snapshot.outcomes.FetchLedger`),
  for what the history cannot say: a run in which nothing changed and nothing failed
  makes no commit, so only the ledger knows that a quiet source fetched fine last
  night. Without a ledger (a copied store), the last snapshot run that did not fail
  the source stands in.

Failure streaks follow :mod:`policywatch.report.failures`' reading: every snapshot run
fetches every source, so a snapshot run that does not name a source failed ends its
streak. :func:`failure_streaks` is shared with the run's notification
(:mod:`policywatch.notify`).

Needs a human: a source failing now, a suspect or retired document waiting for
``--accept`` or for the real page to return, or a review overdue (the next review date
has passed and no new version came since).
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from policywatch.diff import Change, DiffResult, diff_policies
from policywatch.index import IndexRecord, stored_records, tracked_sources
from policywatch.model import Severity
from policywatch.report.overdue import review_due
from policywatch.snapshot.outcomes import GATE_STAGES, FetchLedger
from policywatch.sources import IndexSource, Source, load_indexes, read_sources
from policywatch.store import (
    FailedRecord,
    Failure,
    PolicyEdit,
    PolicyFolder,
    RunCommit,
    Store,
    iso,
    load_json,
    load_policy,
    period_runs,
    read_blobs_by_id,
)

READ_BATCH = 250  # policy.json pairs per blob read: bounds memory on large stores
ATTENTION = ("suspect", "retired", "failing", "overdue")  # what needs a human, in that order


# -- failure streaks --------------------------------------------------------------------------


@dataclass(frozen=True)
class FailureStreak:
    """A source's latest run of consecutive failed snapshot runs."""

    source_id: str
    runs: int
    since: datetime  # the first failed run of the streak
    last: datetime  # the newest
    stage: str | None  # the newest failure's stage and error
    error: str
    recovered_at: datetime | None = None  # the run that ended it; None: failing still

    @property
    def ongoing(self) -> bool:
        return self.recovered_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "since": _stamp(self.since),
            "last": _stamp(self.last),
            "stage": self.stage,
            "error": self.error,
            "recovered_at": _stamp(self.recovered_at),
        }


@dataclass
class _Open:
    newest: RunCommit
    failure: Failure
    recovered: RunCommit | None
    oldest: RunCommit
    runs: int = 1

    def close(self, source_id: str) -> FailureStreak:
        return FailureStreak(
            source_id,
            self.runs,
            _when(self.oldest),
            _when(self.newest),
            self.failure.stage,
            self.failure.error,
            _when(self.recovered) if self.recovered is not None else None,
        )


def failure_streaks(
    runs: Iterable[RunCommit], ids: Collection[str], indexes: bool = False
) -> dict[str, FailureStreak]:
    """Each source's latest streak of failed snapshot runs, from ``runs`` newest first
    (other commits are skipped); of indexes (by index id) with ``indexes``. Those that
    never failed are left out. Reading stops once every streak is known, so a lazy
    ``runs`` is read only that far."""
    pending = set(ids)
    found: dict[str, FailureStreak] = {}
    streaks: dict[str, _Open] = {}
    newer: RunCommit | None = None  # the snapshot run read just before (one newer in time)
    for run in runs:
        if not run.is_snapshot:
            continue
        failures = run.log.index_failed if indexes else run.log.failed
        named = {f.source_id: f for f in failures if f.source_id in pending}
        for source_id in [s for s in streaks if s not in named]:
            found[source_id] = streaks.pop(source_id).close(source_id)
            pending.discard(source_id)
        for source_id, failure in named.items():
            streak = streaks.get(source_id)
            if streak is None:
                streaks[source_id] = _Open(run, failure, newer, run)
            else:
                streak.oldest, streak.runs = run, streak.runs + 1
        if not pending:
            break
        newer = run
    for source_id, streak in streaks.items():
        found[source_id] = streak.close(source_id)
    return found


# -- one source's health ----------------------------------------------------------------------


@dataclass(frozen=True)
class LastChange:
    """The newest version of a policy that was a change (a reparse is not)."""

    at: datetime
    commit: str
    first: bool  # the policy's first version: nothing to compare it with
    by_hand: bool  # committed with git, not by a snapshot run
    severity: Severity | None  # the most serious change; None: first, or nothing a reader sees
    summary: str | None  # that change's summary
    silent: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": _stamp(self.at),
            "commit": self.commit,
            "first_version": self.first,
            "by_hand": self.by_hand,
            "severity": self.severity.value if self.severity else None,
            "summary": self.summary,
            "silent_change": self.silent,
        }


@dataclass(frozen=True)
class Pending:
    """A document held back by the plausibility gate, kept under ``failed/``: the last
    version stays current until the real page returns or ``--accept`` records it."""

    stage: str  # "suspect" | "retired"
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "reason": self.reason}


class _Health(ABC):
    """What a source's and an index's health share: a failure streak, what needs a
    human (``attention``, most pressing first) and the one word for it."""

    streak: FailureStreak | None

    @property
    def failing(self) -> FailureStreak | None:
        return self.streak if self.streak is not None and self.streak.ongoing else None

    @property
    @abstractmethod
    def attention(self) -> tuple[str, ...]:
        """What needs a human, most pressing first."""

    @property
    @abstractmethod
    def seen(self) -> bool:
        """Fetched or recorded at least once (else its state is ``new``)."""

    @property
    def needs_human(self) -> bool:
        return bool(self.attention)

    @property
    def state(self) -> str:
        """One word: the most pressing attention, else ``ok``, or ``new`` when never seen."""
        if self.attention:
            return self.attention[0]
        return "ok" if self.seen else "new"


@dataclass(frozen=True)
class SourceHealth(_Health):
    source_id: str
    payer: str
    title: str | None
    plan: str | None
    location: str
    policy_dir: str
    has_version: bool
    last_ok: datetime | None  # the last run that fetched it fine
    last_change: LastChange | None
    streak: FailureStreak | None  # its latest failure streak, ongoing or ended
    pending: Pending | None
    next_review: str | None
    overdue_since: date | None  # first day of the missed review period; None: not overdue
    index: str | None = None  # the [[index]] whose listing makes it a source (track = all/new)

    @property
    def attention(self) -> tuple[str, ...]:
        """What needs a human about this source, most pressing first (see ATTENTION)."""
        found = set()
        if self.pending is not None:
            found.add(self.pending.stage)
        if self.failing is not None:
            found.add("failing")
        if self.overdue_since is not None:
            found.add("overdue")
        return tuple(a for a in ATTENTION if a in found)

    @property
    def seen(self) -> bool:
        return self.has_version or self.last_ok is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.source_id,
            "payer": self.payer,
            "title": self.title,
            "plan": self.plan,
            "location": self.location,
            "policy_dir": self.policy_dir,
            "state": self.state,
            "needs_human": self.needs_human,
            "attention": list(self.attention),
            "has_version": self.has_version,
            "last_ok": _stamp(self.last_ok),
            "last_change": self.last_change.to_dict() if self.last_change else None,
            "failing": self.failing.to_dict() if self.failing else None,
            "last_failure": self.streak.to_dict() if self.streak else None,
            "pending": self.pending.to_dict() if self.pending else None,
            "next_review": self.next_review,
            "overdue": self.overdue_since is not None,
            "overdue_since": self.overdue_since.isoformat() if self.overdue_since else None,
            "index": self.index,
        }


@dataclass(frozen=True)
class IndexHealth(_Health):
    """One ``[[index]]``: its stored listing, when it last listed fine, and its failures
    (a suspect listing is held back: the stored one stays, ``--accept`` records it)."""

    index_id: str
    payer: str
    plan: str | None
    location: str
    track: str
    listed: int | None  # active entries in the stored listing; None: never listed
    tracked: int  # the sources that listing makes tracked
    last_ok: datetime | None
    streak: FailureStreak | None

    @property
    def attention(self) -> tuple[str, ...]:
        failing = self.failing
        if failing is None:
            return ()
        return ("suspect",) if failing.stage == "suspect" else ("failing",)

    @property
    def seen(self) -> bool:
        return self.listed is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.index_id,
            "payer": self.payer,
            "plan": self.plan,
            "location": self.location,
            "track": self.track,
            "state": self.state,
            "needs_human": self.needs_human,
            "listed": self.listed,
            "tracked": self.tracked,
            "last_ok": _stamp(self.last_ok),
            "failing": self.failing.to_dict() if self.failing else None,
            "last_failure": self.streak.to_dict() if self.streak else None,
        }


@dataclass(frozen=True)
class StoreHealth:
    """Every configured source's and index's health, as of ``as_of``."""

    as_of: datetime
    store: str
    last_run: datetime | None  # the last snapshot run, recorded or not
    sources: tuple[SourceHealth, ...]
    indexes: tuple[IndexHealth, ...] = ()

    @property
    def needs_human(self) -> bool:
        return any(s.needs_human for s in self.sources) or any(i.needs_human for i in self.indexes)

    @property
    def exit_code(self) -> int:
        """0 nothing needs a human; 1 something does (``status``' contract)."""
        return 1 if self.needs_human else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": _stamp(self.as_of),
            "store": self.store,
            "last_run": _stamp(self.last_run),
            "needs_human": self.needs_human,
            "exit_code": self.exit_code,
            "sources": [s.to_dict() for s in self.sources],
            "indexes": [i.to_dict() for i in self.indexes],
        }


def now() -> datetime:
    """The clock status is read by (one place, so tests can set it)."""
    return datetime.now(UTC)


def source_health(
    config: str | Path, store_dir: str | Path, as_of: datetime | None = None
) -> StoreHealth:
    """The health of every source in ``config``, from the store at ``store_dir``, as of
    ``as_of`` (default: now) — which decides whether a review is overdue."""
    with Store.open(store_dir) as store:
        cache = store.state_dir if store.state_dir.is_dir() else None
        sources = read_sources(config, cache).sources  # the cache is read, never written here
        indexes = load_indexes(config)
        records = stored_records(store, store.tree()) if indexes and store.head() else {}
        derived = index_sources(indexes, records, sources)
        indexed = {s.id: index_id for index_id, found in derived.items() for s in found}
        every = [*sources, *(s for found in derived.values() for s in found)]
        health = store_health(store, every, as_of or now(), str(store_dir), indexed)
        listings = index_health(store, indexes, records, derived)
        return replace(health, indexes=listings)


def index_sources(
    indexes: Sequence[IndexSource], records: dict[str, IndexRecord], sources: Sequence[Source]
) -> dict[str, list[Source]]:
    """Index id → the sources its stored listing makes tracked (``track = all / new``),
    as the last snapshot run saw them (none before an index is first fetched)."""
    found: dict[str, list[Source]] = {}
    taken = list(sources)
    for index in indexes:
        derived = tracked_sources(index, records.get(index.slug), taken)
        taken += derived
        found[index.id] = derived
    return found


def index_health(
    store: Store,
    indexes: Sequence[IndexSource],
    records: dict[str, IndexRecord],
    derived: dict[str, list[Source]],
) -> tuple[IndexHealth, ...]:
    """Each index's stored listing, last good listing (ledger) and failure streak."""
    if not indexes:
        return ()
    ledger = FetchLedger.read(store.state_dir)
    runs = period_runs(store, 0, sys.maxsize).runs if store.head() is not None else []
    streaks = failure_streaks(reversed(runs), [i.id for i in indexes], indexes=True)
    found = []
    for index in indexes:
        record = records.get(index.slug)
        found.append(
            IndexHealth(
                index_id=index.id,
                payer=index.payer,
                plan=index.plan,
                location=index.location,
                track=index.track,
                listed=len(record.active) if record is not None else None,
                tracked=len(derived.get(index.id, [])),
                last_ok=ledger.indexes.get(index.id),
                streak=_with_ledger(streaks.get(index.id), ledger.indexes.get(index.id)),
            )
        )
    return tuple(found)


def store_health(
    store: Store,
    sources: Sequence[Source],
    as_of: datetime,
    label: str | None = None,
    indexed: dict[str, str] | None = None,
) -> StoreHealth:
    runs = period_runs(store, 0, sys.maxsize).runs if store.head() is not None else []
    ledger = FetchLedger.read(store.state_dir)
    folders = store.folders() if runs else {}
    history = _History(runs)
    streaks = failure_streaks(reversed(runs), [s.id for s in sources])
    changes = _last_changes(store, history)
    current = _current(store, [folders[s.store_dir] for s in sources if s.store_dir in folders])
    pending = _pending(store, [folders[s.store_dir] for s in sources if s.store_dir in folders])
    found = []
    for source in sources:
        folder = folders.get(source.store_dir)
        policy = current.get(source.store_dir)
        streak = _with_ledger(streaks.get(source.id), ledger.fetched.get(source.id))
        modified = history.modified.get(source.store_dir)
        found.append(
            SourceHealth(
                source_id=source.id,
                payer=(policy or {}).get("payer") or source.payer,
                title=(policy or {}).get("title") or source.title,
                plan=source.plan,
                location=source.location,
                policy_dir=source.store_dir,
                has_version=folder is not None and folder.has_policy,
                last_ok=ledger.fetched.get(source.id) or history.last_ok(source, streak),
                last_change=changes.get(source.store_dir),
                streak=streak,
                pending=pending.get(source.store_dir),
                next_review=_next_review(policy),
                overdue_since=_overdue(policy, as_of.date(), modified),
                index=(indexed or {}).get(source.id),
            )
        )
    last_run = ledger.last_run or history.last_snapshot
    return StoreHealth(as_of, label or str(store.root), last_run, tuple(found))


class _History:
    """What one pass over every run tells: each policy's newest change and newest
    modification, and when each source first appears and last did not fail."""

    def __init__(self, runs: list[RunCommit]) -> None:
        self.snapshots = [run for run in runs if run.is_snapshot]
        self.last_change: dict[str, tuple[RunCommit, PolicyEdit]] = {}
        self.modified: dict[str, datetime] = {}  # policy dir → newest modification
        self.first_seen: dict[str, int] = {}  # policy dir or source id → first timestamp
        for run in runs:
            for source_id in run.log.failed_ids:
                self.first_seen.setdefault(source_id, run.timestamp)
            if run.is_reparse:
                continue  # a parser upgrade: same documents, not a change
            for policy_dir, edit in run.policies.items():
                self.first_seen.setdefault(policy_dir, run.timestamp)
                if edit.after is None:
                    continue  # removed by hand
                self.last_change[policy_dir] = (run, edit)
                if edit.before is not None:
                    self.modified[policy_dir] = _when(run)

    @property
    def last_snapshot(self) -> datetime | None:
        return _when(self.snapshots[-1]) if self.snapshots else None

    def last_ok(self, source: Source, streak: FailureStreak | None) -> datetime | None:
        """Without a ledger: the newest snapshot run since the source first appeared that
        did not fail it (runs that changed nothing made no commit: it may be later)."""
        first = [
            t for t in (self.first_seen.get(source.id), self.first_seen.get(source.store_dir)) if t
        ]
        if not first:
            return None
        since = min(first)
        for run in reversed(self.snapshots):
            if run.timestamp < since:
                return None
            if source.id not in run.log.failed_ids:
                return _when(run)
        return None


def _with_ledger(streak: FailureStreak | None, fetched: datetime | None) -> FailureStreak | None:
    """A streak the history calls ongoing ends where the ledger saw a later good fetch."""
    if streak is None or not streak.ongoing or fetched is None or fetched <= streak.last:
        return streak
    return FailureStreak(
        streak.source_id, streak.runs, streak.since, streak.last, streak.stage, streak.error,
        fetched,
    )  # fmt: skip


def _last_changes(store: Store, history: _History) -> dict[str, LastChange]:
    """Each policy's newest change, with the severity of what it changed (one diff per
    policy, against the version it replaced)."""
    found: dict[str, LastChange] = {}
    items = sorted(history.last_change.items())
    for i in range(0, len(items), READ_BATCH):
        batch = items[i : i + READ_BATCH]
        texts = read_blobs_by_id(store, [b for _, (_, e) in batch for b in (e.before, e.after)])
        for policy_dir, (run, edit) in batch:
            found[policy_dir] = _last_change(run, edit, texts)
    return found


def _last_change(run: RunCommit, edit: PolicyEdit, texts: dict[str, bytes]) -> LastChange:
    by_hand = not run.is_snapshot
    if edit.before is None:
        return LastChange(_when(run), run.commit, True, by_hand, None, None)
    before = load_policy(texts.get(edit.before))
    after = load_policy(texts.get(edit.after or ""))
    if before is None or after is None:  # unreadable: `verify`'s business
        return LastChange(_when(run), run.commit, False, by_hand, None, None)
    result = diff_policies(before, after)
    top = top_change(result)
    severity = top.severity if top else None
    summary = top.summary if top else None
    return LastChange(
        _when(run), run.commit, False, by_hand, severity, summary, result.silent_change
    )


def top_change(result: DiffResult) -> Change | None:
    """The change a reader should hear of first: the most serious, semantic before text."""
    ranked = sorted(result.changes, key=lambda c: (c.severity.rank, not c.is_semantic))
    return ranked[0] if ranked else None


def _current(store: Store, folders: list[PolicyFolder]) -> dict[str, dict[str, Any]]:
    """Each folder's current policy.json, as data."""
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(folders), READ_BATCH):
        batch = folders[i : i + READ_BATCH]
        texts = read_blobs_by_id(store, [f.json_blob for f in batch])
        for folder in batch:
            data = load_json(texts.get(folder.json_blob or ""))
            if data is not None:
                found[folder.dir] = data
    return found


def _pending(store: Store, folders: list[PolicyFolder]) -> dict[str, Pending]:
    """Folders whose ``failed/error.json`` holds a document the gate held back."""
    texts = read_blobs_by_id(store, [f.error_blob for f in folders])
    found = {}
    for folder in folders:
        record = FailedRecord.from_bytes(texts.get(folder.error_blob or ""))
        if record is not None and record.stage in GATE_STAGES:
            found[folder.dir] = Pending(record.stage, record.error or "")
    return found


def _next_review(policy: dict[str, Any] | None) -> str | None:
    value = ((policy or {}).get("dates") or {}).get("next_review")
    return value if isinstance(value, str) else None


def _overdue(policy: dict[str, Any] | None, today: date, modified: datetime | None) -> date | None:
    """The first day of the missed review period, when the next review date has passed
    and neither the document nor the store shows a revision since (as the report reads it:
    a new version on or after that day is a review, even a silent one)."""
    if policy is None:
        return None
    due = review_due(policy, today)
    if due is None:
        return None
    if modified is not None and modified >= datetime.combine(due, time(), UTC):
        return None
    return due


def _when(run: RunCommit) -> datetime:
    return datetime.fromtimestamp(run.timestamp, UTC)


def _stamp(moment: datetime | None) -> str | None:
    return iso(int(moment.timestamp())) if moment is not None else None

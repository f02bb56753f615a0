"""What a snapshot run recorded, read back as data for the people who hear of it: each
policy added or changed (with what changed, from the diff engine), each policy an index
listed for the first time, no longer or under another title, each source or index that
failed (with its streak of failed runs), the sources that recovered.

Built by :func:`digest_run` from the run's summary and the store, right after the
commit (the :class:`DigestRecorder` hook of :func:`policywatch.snapshot.run_snapshot`):
the policy.json blobs each recorded outcome names are read in batches and diffed; the
failure streaks come from the run logs (:func:`policywatch.status.failure_streaks`),
read newest first only as far back as the streaks go. Rendering is
:mod:`policywatch.render.notice`'s.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from policywatch.diff import Change, DiffResult, diff_policies
from policywatch.index import LibraryChange
from policywatch.model import Severity
from policywatch.snapshot.outcomes import GATE_STAGES, SnapshotSummary, SourceOutcome
from policywatch.status import FailureStreak, failure_streaks, top_change
from policywatch.store import (
    RunCommit,
    Store,
    load_json,
    load_policy,
    period_runs,
    read_blobs_by_id,
    runs_before,
)

READ_BATCH = 250  # policy.json pairs per blob read


@dataclass(frozen=True)
class PolicyNews:
    """A policy the run recorded: a first version (``added``) or a new one (``changed``)."""

    source_id: str
    policy_dir: str
    status: str  # "added" | "changed"
    payer: str | None
    title: str | None
    plan: str | None
    location: str
    diff: DiffResult | None = None  # changed: against the version it replaced

    @property
    def top(self) -> Change | None:
        return top_change(self.diff) if self.diff is not None else None

    @property
    def severity(self) -> Severity | None:
        top = self.top
        return top.severity if top is not None else None

    @property
    def silent(self) -> bool:
        return self.diff is not None and self.diff.silent_change

    def changes_at(self, minimum: Severity) -> list[Change]:
        """Its changes at or above ``minimum``, most serious first (semantic before text)."""
        if self.diff is None:
            return []
        chosen = [c for c in self.diff.changes if c.severity.rank <= minimum.rank]
        return sorted(chosen, key=lambda c: (c.severity.rank, not c.is_semantic))

    def at_least(self, minimum: Severity) -> bool:
        severity = self.severity
        return severity is not None and severity.rank <= minimum.rank


@dataclass(frozen=True)
class FailureNews:
    """A source the run could not record, and how long it has been failing."""

    source_id: str
    policy_dir: str
    payer: str | None
    title: str | None
    plan: str | None
    location: str
    stage: str | None
    error: str
    streak: FailureStreak | None  # None only if the run log could not be read back

    @property
    def runs(self) -> int:
        return self.streak.runs if self.streak is not None else 1

    @property
    def since(self) -> datetime | None:
        return self.streak.since if self.streak is not None else None

    index: bool = False  # a policy index (source_id: the index id), not a policy

    @property
    def held_back(self) -> bool:
        """The document fetched and parsed, but the plausibility gate held it back."""
        return self.stage in GATE_STAGES


@dataclass(frozen=True)
class LibraryNews:
    """A policy an index listed for the first time (new), no longer (retired: its last
    version stays in the store) or under another title, number or link (renamed)."""

    index_id: str
    payer: str
    plan: str | None
    change: LibraryChange

    @property
    def severity(self) -> Severity:
        return self.change.severity

    def at_least(self, minimum: Severity) -> bool:
        return self.severity.rank <= minimum.rank


@dataclass(frozen=True)
class RunDigest:
    when: datetime
    store: str  # the store's absolute path
    commit: str | None
    sources: int
    changed: tuple[PolicyNews, ...] = ()  # most serious first
    added: tuple[PolicyNews, ...] = ()
    failed: tuple[FailureNews, ...] = ()  # sources, then indexes
    recovered: tuple[str, ...] = ()
    library: tuple[LibraryNews, ...] = ()  # most serious first

    @property
    def eventful(self) -> bool:
        """Anything to tell: a policy added, changed, listed or delisted; a source or
        index failed; a source recovered."""
        return bool(self.changed or self.added or self.failed or self.recovered or self.library)


class DigestRecorder:
    """An ``after_commit`` hook: keeps the run's digest, read while the store is locked."""

    def __init__(self) -> None:
        self.digest: RunDigest | None = None

    def __call__(self, store: Store, summary: SnapshotSummary) -> None:
        self.digest = digest_run(store, summary)


def digest_run(store: Store, summary: SnapshotSummary) -> RunDigest:
    recorded = _recorded(store, [o for o in summary.outcomes if o.status in ("added", "changed")])
    return RunDigest(
        when=summary.when,
        store=str(store.root.resolve()),
        commit=summary.commit,
        sources=len(summary.outcomes),
        changed=tuple(sorted((n for n in recorded if n.status == "changed"), key=_reading_order)),
        added=tuple(n for n in recorded if n.status == "added"),
        failed=(*_failures(store, summary.failed), *_index_failures(store, summary)),
        recovered=tuple(summary.recovered),
        library=tuple(sorted(_library(summary), key=lambda n: n.severity.rank)),
    )


def _library(summary: SnapshotSummary) -> Iterator[LibraryNews]:
    for outcome in summary.indexes:
        for change in outcome.changes:
            yield LibraryNews(outcome.id, outcome.payer, outcome.plan, change)


def _index_failures(store: Store, summary: SnapshotSummary) -> list[FailureNews]:
    failed = summary.failed_indexes
    if not failed:
        return []
    streaks = failure_streaks(_newest_first(store), [o.id for o in failed], indexes=True)
    return [
        FailureNews(
            source_id=o.id,
            policy_dir=o.path,
            payer=o.payer or None,
            title="policy index",
            plan=o.plan,
            location=o.location,
            stage=o.stage,
            error=o.error or "",
            streak=streaks.get(o.id),
            index=True,
        )
        for o in failed
    ]


def _recorded(store: Store, outcomes: list[SourceOutcome]) -> list[PolicyNews]:
    """Each recorded version: a changed one with its diff against the version it replaced,
    a first one with its payer and title only (a first run may add thousands)."""
    found = []
    for i in range(0, len(outcomes), READ_BATCH):
        batch = outcomes[i : i + READ_BATCH]
        texts = read_blobs_by_id(store, [b for o in batch for b in (o.before, o.after)])
        for outcome in batch:
            data = texts.get(outcome.after or "")
            if outcome.status == "added" or outcome.before is None:
                found.append(_news(outcome, None, load_json(data)))
                continue
            before, after = load_policy(texts.get(outcome.before)), load_policy(data)
            result = diff_policies(before, after) if before and after else None
            found.append(_news(outcome, result, result.new if result else None))
    return found


def _news(
    outcome: SourceOutcome, result: DiffResult | None, header: dict[str, Any] | None
) -> PolicyNews:
    header = header or {}
    return PolicyNews(
        source_id=outcome.id,
        policy_dir=outcome.policy,
        status=outcome.status,
        payer=header.get("payer") or outcome.payer,
        title=header.get("title") or outcome.title,
        plan=outcome.plan,
        location=outcome.location,
        diff=result,
    )


def _failures(store: Store, failed: list[SourceOutcome]) -> list[FailureNews]:
    if not failed:
        return []
    streaks = failure_streaks(_newest_first(store), [o.id for o in failed])
    titles = _current_titles(store, [o.policy for o in failed])
    return [
        FailureNews(
            source_id=o.id,
            policy_dir=o.policy,
            payer=titles.get(o.policy, {}).get("payer") or o.payer,
            title=titles.get(o.policy, {}).get("title") or o.title,
            plan=o.plan,
            location=o.location,
            stage=o.stage,
            error=o.error or "",
            streak=streaks.get(o.id),
        )
        for o in failed
    ]


def _newest_first(store: Store) -> Iterator[RunCommit]:
    """Every run, newest first, read lazily (a few at a time)."""
    earlier = period_runs(store, sys.maxsize, sys.maxsize).earlier
    return runs_before(store, earlier, batch=16)


def _current_titles(store: Store, policy_dirs: list[str]) -> dict[str, dict[str, Any]]:
    """Payer and title of the current version of these policies (those that have one)."""
    folders = store.folders()
    wanted = [folders[d] for d in policy_dirs if d in folders and folders[d].has_policy]
    texts = read_blobs_by_id(store, [f.json_blob for f in wanted])
    found = {}
    for folder in wanted:
        data = load_json(texts.get(folder.json_blob or ""))
        if data is not None:
            found[folder.dir] = {"payer": data.get("payer"), "title": data.get("title")}
    return found


def _reading_order(news: PolicyNews) -> tuple[int, str, str, str]:
    severity = news.severity
    return (
        severity.rank if severity is not None else len(Severity),
        (news.payer or "").casefold(),
        (news.title or "").casefold(),
        news.source_id,
    )

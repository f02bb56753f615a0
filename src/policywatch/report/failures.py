"""Sources that failed in the period, from the snapshot runs' run logs.

Each snapshot run's :class:`~policywatch.store.Run` lists its failures (source,
policy folder, stage, error); a run in which *only* sources failed changes no
file but is still committed, so its failures are on record. A fully unchanged
run with no failure makes no commit.

Every snapshot run fetches every source, so a snapshot run that does not name a
source failed is a run it did not fail in: that ends a streak of failures
(counted back across the period's start, so "failing since" is the streak's
first failure, however long ago) and marks a recovery, whether or not the
source changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from policywatch.report.model import FailedSource
from policywatch.store import Failure, Meta, PolicyFolder, RunCommit


@dataclass(frozen=True)
class FailureNote:
    """One failure as one snapshot run recorded it."""

    failure: Failure
    run: RunCommit

    @property
    def source_id(self) -> str:
        return self.failure.source_id or ""

    @property
    def policy_dir(self) -> str | None:
        return self.failure.policy_dir


def failure_notes(runs: list[RunCommit]) -> list[FailureNote]:
    """Every failure named by a snapshot run, oldest first."""
    return [
        FailureNote(failure, run)
        for run in runs
        if run.is_snapshot
        for failure in run.log.failed
        if failure.source_id is not None
    ]


class EarlierRuns:
    """Snapshot runs before the period, newest first, read only as far as asked."""

    def __init__(self, runs: Iterator[RunCommit]) -> None:
        self._runs = (run for run in runs if run.is_snapshot)
        self._seen: list[RunCommit] = []

    def __iter__(self) -> Iterator[RunCommit]:
        yield from self._seen
        for run in self._runs:
            self._seen.append(run)
            yield run


def failed_sources(
    notes: list[FailureNote],
    runs: list[RunCommit],
    earlier: EarlierRuns,
    tracked: dict[str, PolicyFolder],
    metas: dict[str, Meta],
    current: dict[str, dict[str, Any]],
) -> list[FailedSource]:
    """One entry per source: its streak of failures up to its last one in the period
    (``earlier`` runs are read back until the streak began), the latest error, and
    whether a later snapshot run in the period did not fail it.

    ``metas`` holds the meta.json of the failed policies that have a stored version,
    ``current`` their current policy.json, for title, payer and source.
    """
    by_source: dict[str, list[FailureNote]] = {}
    for note in notes:
        by_source.setdefault(note.source_id, []).append(note)
    snapshots = [run for run in runs if run.is_snapshot]
    found = [
        _entry(group, snapshots, earlier, tracked, metas, current) for group in by_source.values()
    ]
    return sorted(found, key=lambda f: (f.last_failed_at, f.source_id), reverse=True)


def _streak(
    source_id: str, last: RunCommit, snapshots: list[RunCommit], earlier: EarlierRuns
) -> list[RunCommit]:
    """The runs in a row that named ``source_id`` failed, ending with ``last``, oldest first."""
    before_last = snapshots[: _position(last, snapshots) + 1]
    streak: list[RunCommit] = []
    for run in [*reversed(before_last), *earlier]:
        if source_id not in run.log.failed_ids:
            break
        streak.append(run)
    return streak[::-1]


def _recovered(last: RunCommit, snapshots: list[RunCommit]) -> datetime | None:
    """The first snapshot run in the period after the last failure: it did not fail the
    source (it would be the last failure otherwise), changed or not."""
    later = snapshots[_position(last, snapshots) + 1 :]
    return _when(later[0]) if later else None


def _position(run: RunCommit, snapshots: list[RunCommit]) -> int:
    return next(i for i, other in enumerate(snapshots) if other.commit == run.commit)


def _entry(
    group: list[FailureNote],
    snapshots: list[RunCommit],
    earlier: EarlierRuns,
    tracked: dict[str, PolicyFolder],
    metas: dict[str, Meta],
    current: dict[str, dict[str, Any]],
) -> FailedSource:
    last = group[-1]
    policy_dir = last.policy_dir or ""
    meta = metas.get(policy_dir) or Meta()
    policy = current.get(policy_dir, {})
    streak = _streak(last.source_id, last.run, snapshots, earlier)
    return FailedSource(
        source_id=last.source_id,
        policy_dir=last.policy_dir,
        payer=policy.get("payer") or meta.payer,
        title=policy.get("title") or meta.title,
        stage=last.failure.stage,
        error=last.failure.error,
        failures=len(streak),
        first_failed_at=_when(streak[0]),
        last_failed_at=_when(last.run),
        last_commit=last.run.commit,
        has_version=policy_dir in tracked,
        source=meta.source,
        recovered_at=_recovered(last.run, snapshots),
        failures_in_period=len(group),
        plan=meta.plan,
    )


def _when(run: RunCommit) -> datetime:
    return datetime.fromtimestamp(run.timestamp, UTC)

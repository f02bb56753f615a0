"""Sources that failed in the period, read from the snapshot commits' messages.

A snapshot commit names each failed source in a ``Policywatch-Failed: <id>``
trailer and explains it in the body as ``- <id> (<policy dir>): <stage>:
<error>``. A run in which *only* sources failed changes no file, but is still
committed (an empty change) so that its failures are on record; a fully
unchanged run with no failure makes no commit.

Every snapshot run fetches every source, so a snapshot commit that does not
name a source failed is a run it did not fail in: that ends a streak of
failures (counted back across the period's start, so "failing since" is the
streak's first failure, however long ago) and marks a recovery, whether or
not the source changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from policywatch.report.model import FailedSource
from policywatch.store import PolicyFolder, Run, failed_ids


@dataclass(frozen=True)
class FailureNote:
    source_id: str
    policy_dir: str | None
    stage: str | None
    error: str
    run: Run


def failure_notes(runs: list[Run]) -> list[FailureNote]:
    """Every failure named by a snapshot run, oldest first."""
    return [note for run in runs if run.is_snapshot for note in _notes(run)]


def _notes(run: Run) -> list[FailureNote]:
    lines = run.message.splitlines()
    return [_note(source_id, lines, run) for source_id in failed_ids(run)]


def _note(source_id: str, lines: list[str], run: Run) -> FailureNote:
    prefix = f"- {source_id} ("
    for line in lines:
        if line.startswith(prefix):
            policy_dir, sep, rest = line[len(prefix) :].partition("): ")
            if not sep:
                break
            stage, sep, error = rest.partition(": ")
            if not sep:  # no stage named: the whole rest is the error
                stage, error = "", rest
            return FailureNote(source_id, policy_dir, stage or None, error.strip(), run)
    return FailureNote(source_id, None, None, "failed (no details recorded)", run)


class EarlierRuns:
    """Snapshot runs before the period, newest first, read only as far as asked."""

    def __init__(self, runs: Iterator[Run]) -> None:
        self._runs = (run for run in runs if run.is_snapshot)
        self._seen: list[Run] = []

    def __iter__(self) -> Iterator[Run]:
        yield from self._seen
        for run in self._runs:
            self._seen.append(run)
            yield run


def failed_sources(
    notes: list[FailureNote],
    runs: list[Run],
    earlier: EarlierRuns,
    tracked: dict[str, PolicyFolder],
    current: dict[str, dict[str, Any]],
) -> list[FailedSource]:
    """One entry per source: its streak of failures up to its last one in the period
    (``earlier`` runs are read back until the streak began), the latest error, and
    whether a later snapshot run in the period did not fail it.

    ``current`` holds the current policy.json of failed policies that have a
    stored version, for their title and payer.
    """
    by_source: dict[str, list[FailureNote]] = {}
    for note in notes:
        by_source.setdefault(note.source_id, []).append(note)
    snapshots = [run for run in runs if run.is_snapshot]
    found = [_entry(group, snapshots, earlier, tracked, current) for group in by_source.values()]
    return sorted(found, key=lambda f: (f.last_failed_at, f.source_id), reverse=True)


def _streak(source_id: str, last: Run, snapshots: list[Run], earlier: EarlierRuns) -> list[Run]:
    """The runs in a row that named ``source_id`` failed, ending with ``last``, oldest first."""
    before_last = snapshots[: _position(last, snapshots) + 1]
    streak: list[Run] = []
    for run in [*reversed(before_last), *earlier]:
        if source_id not in failed_ids(run):
            break
        streak.append(run)
    return streak[::-1]


def _recovered(last: Run, snapshots: list[Run]) -> datetime | None:
    """The first snapshot run in the period after the last failure: it did not fail the
    source (it would be the last failure otherwise), changed or not."""
    later = snapshots[_position(last, snapshots) + 1 :]
    return _when(later[0]) if later else None


def _position(run: Run, snapshots: list[Run]) -> int:
    return next(i for i, other in enumerate(snapshots) if other.commit == run.commit)


def _entry(
    group: list[FailureNote],
    snapshots: list[Run],
    earlier: EarlierRuns,
    tracked: dict[str, PolicyFolder],
    current: dict[str, dict[str, Any]],
) -> FailedSource:
    last = group[-1]
    folder = tracked.get(last.policy_dir or "")
    meta = (folder.meta if folder else None) or {}
    policy = current.get(last.policy_dir or "", {})
    streak = _streak(last.source_id, last.run, snapshots, earlier)
    return FailedSource(
        source_id=last.source_id,
        policy_dir=last.policy_dir,
        payer=policy.get("payer") or meta.get("payer"),
        title=policy.get("title") or meta.get("title"),
        stage=last.stage,
        error=last.error,
        failures=len(streak),
        first_failed_at=_when(streak[0]),
        last_failed_at=_when(last.run),
        last_commit=last.run.commit,
        has_version=folder is not None,
        source=meta.get("url") or meta.get("path"),
        recovered_at=_recovered(last.run, snapshots),
        failures_in_period=len(group),
    )


def _when(run: Run) -> datetime:
    return datetime.fromtimestamp(run.timestamp, UTC)

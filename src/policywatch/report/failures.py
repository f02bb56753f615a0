"""Sources that failed in the period, read from the snapshot commits' messages.

A snapshot commit names each failed source in a ``Policywatch-Failed: <id>``
trailer and explains it in the body as ``- <id> (<policy dir>): <stage>:
<error>``. A run in which *only* sources failed changes no file, but is still
committed (an empty change) so that its failures are on record; a fully
unchanged run with no failure makes no commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from policywatch.report.model import FailedSource
from policywatch.store import PolicyFolder, Run

_TRAILER = re.compile(r"^Policywatch-Failed:\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class FailureNote:
    source_id: str
    policy_dir: str | None
    stage: str | None
    error: str
    run: Run


def failure_notes(runs: list[Run]) -> list[FailureNote]:
    """Every failure named by a snapshot run, oldest first."""
    return [note for run in runs if not run.is_reparse for note in _notes(run)]


def _notes(run: Run) -> list[FailureNote]:
    lines = run.message.splitlines()
    return [_note(source_id, lines, run) for source_id in _TRAILER.findall(run.message)]


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


def failed_sources(
    notes: list[FailureNote],
    runs: list[Run],
    tracked: dict[str, PolicyFolder],
    current: dict[str, dict[str, Any]],
) -> list[FailedSource]:
    """One entry per source: how often it failed, when, the latest error, and
    whether a later run in the period recorded a new version of it.

    ``current`` holds the current policy.json of failed policies that have a
    stored version, for their title and payer.
    """
    by_source: dict[str, list[FailureNote]] = {}
    for note in notes:
        by_source.setdefault(note.source_id, []).append(note)
    found = [_entry(group, runs, tracked, current) for group in by_source.values()]
    return sorted(found, key=lambda f: (f.last_failed_at, f.source_id), reverse=True)


def _recovered(last: FailureNote, runs: list[Run]) -> datetime | None:
    """When a later snapshot recorded the policy again (an unchanged success makes no
    commit, so a source that recovered without changing cannot be seen)."""
    later = [
        run
        for run in runs
        if run.timestamp > last.run.timestamp
        and not run.is_reparse
        and (last.policy_dir or "") in run.policies
    ]
    return _when(later[0]) if later else None


def _entry(
    group: list[FailureNote],
    runs: list[Run],
    tracked: dict[str, PolicyFolder],
    current: dict[str, dict[str, Any]],
) -> FailedSource:
    last = group[-1]
    folder = tracked.get(last.policy_dir or "")
    meta = (folder.meta if folder else None) or {}
    policy = current.get(last.policy_dir or "", {})
    return FailedSource(
        source_id=last.source_id,
        policy_dir=last.policy_dir,
        payer=policy.get("payer") or meta.get("payer"),
        title=policy.get("title") or meta.get("title"),
        stage=last.stage,
        error=last.error,
        failures=len(group),
        first_failed_at=_when(group[0].run),
        last_failed_at=_when(last.run),
        last_commit=last.run.commit,
        has_version=folder is not None,
        source=meta.get("url") or meta.get("path"),
        recovered_at=_recovered(last, runs),
    )


def _when(run: Run) -> datetime:
    return datetime.fromtimestamp(run.timestamp, UTC)

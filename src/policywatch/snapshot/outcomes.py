"""What a snapshot run reports: one outcome per source and the run's summary, which is
also what the run writes to the run log (:meth:`SnapshotSummary.run_log`).

Two records are kept outside the history, because a run that changes nothing and
fails nothing makes no commit:

- :class:`FetchLedger` — when each source last fetched fine, and when the last run
  was (``.git/policywatch/fetch-ledger.json``, beside the store's other state; written
  and read here only);
- :class:`Delivery` — what became of the run's notification (sent after the commit,
  so it can never undo the recording: it is in the summary and the exit code only).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from policywatch.index import IndexOutcome
from policywatch.parse.plausibility import VerdictKind
from policywatch.store import SNAPSHOT, Failure, LibraryLine, Recorded, Run, iso

Status = Literal["added", "changed", "unchanged", "failed"]
STATUSES: tuple[Status, ...] = ("added", "changed", "unchanged", "failed")
# Failure stages of documents that parsed but that the plausibility gate held back.
GATE_STAGES: tuple[VerdictKind, ...] = ("suspect", "retired")


@dataclass
class SourceOutcome:
    id: str
    status: Status
    policy: str  # store folder, payer-slug/policy-slug
    location: str
    stage: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    # The source as configured (the document's own payer and title win where it has them).
    payer: str | None = None
    title: str | None = None
    plan: str | None = None
    # A recorded version (added or changed): the policy.json blob it replaced (None for
    # a first version) and the one it recorded, so what changed can be read back.
    before: str | None = None
    after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "policy": self.policy,
            "location": self.location,
            "stage": self.stage,
            "error": self.error,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Delivery:
    """What became of the run's notification. ``sent_to``: the targets that accepted it;
    ``problems``: one line per target that did not, or per problem before sending. Target
    names have their secrets masked; no line holds an expanded secret."""

    message: bool = False  # the run had something to send (nothing was sent otherwise)
    sent_to: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    # The configured URLs (as written in [notify]) that did not take it: kept in memory
    # only, to try them again on the next run (never shown, never written).
    missed: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "sent_to": list(self.sent_to),
            "problems": list(self.problems),
        }


@dataclass
class SnapshotSummary:
    when: datetime
    store: str
    outcomes: list[SourceOutcome] = field(default_factory=list)
    commit: str | None = None
    parsed: int = 0  # documents the parser ran on (the rest were decided without it)
    executor: str = "inline"  # where fetch + parse ran: inline, local or dask
    slots: int = 1  # how many ran at once
    recovered: list[str] = field(default_factory=list)  # failing before this run, fine now
    delivery: Delivery | None = None  # None: no notification was due (none configured, or off)
    # What went wrong after the commit (the run stays recorded), e.g. a summary that could
    # not be read back for --quiet or the notification.
    problems: list[str] = field(default_factory=list)
    indexes: list[IndexOutcome] = field(default_factory=list)  # policy indexes, config order

    @property
    def failed_indexes(self) -> list[IndexOutcome]:
        return [o for o in self.indexes if o.status == "failed"]

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def held_back(self, stage: str) -> list[SourceOutcome]:
        """Failures of one gate stage ("suspect" or "retired")."""
        return [o for o in self.failed if o.stage == stage]

    @property
    def exit_code(self) -> int:
        """0 every source fine; 3 the run completed but some sources failed (suspect
        and retired documents included); 4 every source fine and the run recorded, but
        its notification could not be delivered (or the run could not be summed up)."""
        if self.failed or self.failed_indexes:
            return 3
        return 4 if self.problems or (self.delivery and not self.delivery.ok) else 0

    @property
    def eventful(self) -> bool:
        """Something a person should hear of: a policy added or changed, a source failed
        or recovered (``--quiet`` prints nothing otherwise)."""
        return (
            any(o.status != "unchanged" for o in self.outcomes)
            or bool(self.recovered)
            or any(o.changes or o.status == "failed" for o in self.indexes)
        )

    @property
    def on_record(self) -> bool:
        """The run must be committed even if no file changed: failures are on record, and
        so is a source that failed last time and is fine now (a recovery, changed or not)."""
        return bool(self.failed or self.recovered or self.failed_indexes)

    def run_log(self) -> Run:
        """What the run's commit message records."""
        recorded = [
            Recorded(o.id, o.policy, o.location, o.status)
            for o in self.outcomes
            if o.status in ("added", "changed")
        ]
        failed = [Failure(o.id, o.policy, o.stage, o.error or "") for o in self.failed]
        return Run(
            SNAPSHOT,
            when=self.when,
            recorded=tuple(recorded),
            failed=tuple(failed),
            notes=tuple((o.id, "; ".join(o.notes)) for o in self.outcomes if o.notes),
            recovered=tuple(self.recovered),
            library=tuple(
                LibraryLine(
                    o.id,
                    str(c.action),
                    c.entry.title,
                    c.entry.link,
                    was=c.before.title if c.before is not None else None,
                    was_link=c.moved_from,
                )
                for o in self.indexes
                for c in o.changes
            ),
            index_failed=tuple(
                Failure(o.id, o.path.rsplit("/", 1)[0], o.stage, o.error or "")
                for o in self.failed_indexes
            ),
        )

    def line(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES)
        held = [f"{len(self.held_back(s))} {s}" for s in GATE_STAGES if self.held_back(s)]
        if held:
            counts += f" ({', '.join(held)})"
        where = f"commit {self.commit[:12]}" if self.commit else "no commit (nothing changed)"
        stamp = iso(int(self.when.timestamp()))
        if self.indexes:
            changes = sum(len(o.changes) for o in self.indexes)
            failed = len(self.failed_indexes)
            n = len(self.indexes)
            counts += f"; {n} index{'es' if n != 1 else ''}: {changes} library changes, "
            counts += f"{failed} failed"
        return f"snapshot {stamp}: {len(self.outcomes)} sources: {counts}; {where}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "when": iso(int(self.when.timestamp())),
            "store": self.store,
            "commit": self.commit,
            "counts": {s: self.count(s) for s in STATUSES},
            "parsed": self.parsed,
            "exit_code": self.exit_code,
            "sources": [o.to_dict() for o in self.outcomes],
        }
        if self.indexes:
            data["indexes"] = [o.to_dict() for o in self.indexes]
        if self.delivery is not None:
            data["notify"] = self.delivery.to_dict()
        if self.problems:
            data["problems"] = list(self.problems)
        return data


Progress = Callable[[SourceOutcome, int], None]  # (outcome, number of sources)


# -- the fetch ledger ----------------------------------------------------------------------

LEDGER_FILE = "fetch-ledger.json"
_LEDGER_VERSION = 1


@dataclass(frozen=True)
class FetchLedger:
    """When each source last fetched fine (by id), and when the last run was and what it
    committed: what the history cannot say, since a run in which nothing changed and
    nothing failed makes no commit. A missing or unreadable ledger reads as empty (readers
    fall back on the history); one that cannot be written costs only that precision."""

    last_run: datetime | None = None
    last_commit: str | None = None  # the last run's commit (None: it made none)
    fetched: dict[str, datetime] = field(default_factory=dict)
    indexes: dict[str, datetime] = field(default_factory=dict)  # index id → last good listing

    def after(self, summary: SnapshotSummary) -> FetchLedger:
        """This ledger with ``summary``'s run: every source and index it did not fail
        fetched fine then. Back-dated runs never move an entry back in time."""
        fetched = _fetched_fine(self.fetched, summary.outcomes, summary.when)
        indexes = _fetched_fine(self.indexes, summary.indexes, summary.when)
        if self.last_run is not None and self.last_run > summary.when:
            return FetchLedger(self.last_run, self.last_commit, fetched, indexes)
        return FetchLedger(summary.when, summary.commit, fetched, indexes)

    def to_bytes(self) -> bytes:
        data = {
            "version": _LEDGER_VERSION,
            "last_run": _stamp(self.last_run),
            "last_commit": self.last_commit,
            "fetched": {sid: _stamp(when) for sid, when in sorted(self.fetched.items())},
            "indexes": {iid: _stamp(when) for iid, when in sorted(self.indexes.items())},
        }
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> FetchLedger:
        try:
            loaded = json.loads(data)
        except ValueError:
            return cls()
        if not isinstance(loaded, dict) or loaded.get("version") != _LEDGER_VERSION:
            return cls()
        fetched = loaded.get("fetched")
        commit = loaded.get("last_commit")
        return cls(
            _instant(loaded.get("last_run")),
            commit if isinstance(commit, str) else None,
            _moments(fetched),
            _moments(loaded.get("indexes")),  # absent in ledgers written before indexes
        )

    @classmethod
    def read(cls, state_dir: Path) -> FetchLedger:
        try:
            return cls.from_bytes((state_dir / LEDGER_FILE).read_bytes())
        except OSError:
            return cls()

    def write(self, state_dir: Path) -> None:
        tmp = state_dir / f".{LEDGER_FILE}.{os.getpid()}.tmp"
        with contextlib.suppress(OSError):  # like the caches: unwritten, it costs precision
            tmp.write_bytes(self.to_bytes())
            os.replace(tmp, state_dir / LEDGER_FILE)


def _stamp(moment: datetime | None) -> str | None:
    return iso(int(moment.timestamp())) if moment is not None else None


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fetched_fine(
    known: dict[str, datetime], outcomes: Iterable[SourceOutcome | IndexOutcome], when: datetime
) -> dict[str, datetime]:
    found = dict(known)
    for outcome in outcomes:
        if outcome.status != "failed":
            before = found.get(outcome.id)
            found[outcome.id] = max(before, when) if before else when
    return found


def _moments(data: object) -> dict[str, datetime]:
    """``{id: ISO time}`` as read from the ledger; anything else is left out."""
    if not isinstance(data, dict):
        return {}
    return {
        key: when
        for key, text in data.items()
        if isinstance(key, str) and (when := _instant(text)) is not None
    }

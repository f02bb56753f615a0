"""What a snapshot run reports: one outcome per source and the run's summary, which is
also what the run writes to the run log (:meth:`SnapshotSummary.run_log`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from policywatch.parse.plausibility import VerdictKind
from policywatch.store import SNAPSHOT, Failure, Recorded, Run, iso

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
        and retired documents included)."""
        return 3 if self.failed else 0

    @property
    def on_record(self) -> bool:
        """The run must be committed even if no file changed: failures are on record, and
        so is a source that failed last time and is fine now (a recovery, changed or not)."""
        return bool(self.failed or self.recovered)

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
        )

    def line(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES)
        held = [f"{len(self.held_back(s))} {s}" for s in GATE_STAGES if self.held_back(s)]
        if held:
            counts += f" ({', '.join(held)})"
        where = f"commit {self.commit[:12]}" if self.commit else "no commit (nothing changed)"
        stamp = iso(int(self.when.timestamp()))
        return f"snapshot {stamp}: {len(self.outcomes)} sources: {counts}; {where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": iso(int(self.when.timestamp())),
            "store": self.store,
            "commit": self.commit,
            "counts": {s: self.count(s) for s in STATUSES},
            "parsed": self.parsed,
            "exit_code": self.exit_code,
            "sources": [o.to_dict() for o in self.outcomes],
        }


Progress = Callable[[SourceOutcome, int], None]  # (outcome, number of sources)

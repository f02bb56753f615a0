"""The report as data: what changed in the store during a period, and what needs a human.

Built by :mod:`.collect`, rendered by :mod:`.html`, exported by :mod:`.export`.
Plain frozen dataclasses, so the three outputs cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from policywatch.diff import Change, DiffResult
from policywatch.diff.changes import KINDS, SEVERITIES
from policywatch.report.period import Period

SEVERITY_RANK = {severity: n for n, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class PolicyChange:
    """One policy whose recorded version moved in the period (``added`` or ``changed``)."""

    policy_dir: str  # store folder: payer-slug/policy-slug
    source_id: str | None
    status: str  # "changed" | "added"
    payer: str | None
    policy_number: str | None
    title: str | None
    source: str | None  # URL or path the versions were fetched from
    old_commit: str | None  # None for an added policy
    new_commit: str
    recorded_at: datetime  # commit time of the newest version in the period
    diff: DiffResult | None = None  # None for an added policy: nothing to compare with
    coverage: tuple[tuple[str, str], ...] = ()  # (indication, status) of the new version

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.diff.changes if self.diff is not None else ()

    @property
    def highest_severity(self) -> str:
        if not self.changes:
            return SEVERITIES[-1]
        return min((c.severity for c in self.changes), key=SEVERITY_RANK.__getitem__)

    @property
    def silent_change(self) -> bool:
        return self.diff is not None and self.diff.silent_change

    @property
    def headline(self) -> str:
        """One line of what changed: the most severe change, and how many more."""
        if self.status == "added":
            n = len(self.coverage)
            return f"New policy with {n} coverage statement{'s' if n != 1 else ''}"
        ranked = sorted(self.changes, key=lambda c: (SEVERITY_RANK[c.severity], not c.is_semantic))
        if not ranked:
            return "No change"
        top, more = ranked[0], len(ranked) - 1
        if self.diff is not None and not self.diff.has_semantic_changes:
            return f"Wording only: {top.summary}" + (f" (+{more} more)" if more else "")
        return top.summary + (f" (+{more} more)" if more else "")

    @property
    def coverage_status_changes(self) -> list[Change]:
        """Coverage statements added, removed or whose status moved (not wording alone)."""
        return [c for c in self.changes if c.kind == "coverage" and _status_moved(c)]


def _status_moved(change: Change) -> bool:
    if change.action != "modified":
        return True
    before, after = change.before or {}, change.after or {}
    return before.get("status") != after.get("status")


@dataclass(frozen=True)
class FailedSource:
    """A source that could not be fetched or parsed in the period (its last version stays)."""

    source_id: str
    policy_dir: str | None
    payer: str | None
    title: str | None
    stage: str | None  # "fetch" | "parse"
    error: str
    failures: int  # runs in the period that named it failed
    first_failed_at: datetime
    last_failed_at: datetime
    last_commit: str
    has_version: bool  # an earlier version exists and stays current
    source: str | None = None
    recovered_at: datetime | None = None  # a later run in the period recorded it again


@dataclass(frozen=True)
class OverdueReview:
    """A policy whose next review date passed with no new version since."""

    policy_dir: str
    payer: str | None
    policy_number: str | None
    title: str | None
    next_review: str
    last_revised: str | None  # latest date the document itself gives for a revision
    source: str | None
    commit: str


@dataclass(frozen=True)
class Report:
    period: Period
    store: str
    generated_at: datetime
    end_commit: str | None  # the store commit current at the end of the period
    tracked: int
    policies: tuple[PolicyChange, ...] = ()  # changed then added, high severity first
    failed: tuple[FailedSource, ...] = ()
    overdue: tuple[OverdueReview, ...] = ()
    start_commit: str | None = None
    commits: int = 0  # snapshot runs recorded in the period
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> list[PolicyChange]:
        return [p for p in self.policies if p.status == "changed"]

    @property
    def added(self) -> list[PolicyChange]:
        return [p for p in self.policies if p.status == "added"]

    @property
    def all_changes(self) -> list[Change]:
        return [c for p in self.changed for c in p.changes]

    @property
    def severity_counts(self) -> dict[str, int]:
        counts = Counter(c.severity for c in self.all_changes)
        return {s: counts[s] for s in SEVERITIES}

    @property
    def kind_counts(self) -> dict[str, int]:
        """Changes per kind, in reading order; kinds with none are left out."""
        counts = Counter(c.kind for c in self.all_changes)
        return {k: counts[k] for k in KINDS if counts[k]}

    @property
    def policies_by_severity(self) -> dict[str, int]:
        """Changed policies by their most severe change."""
        counts = Counter(p.highest_severity for p in self.changed)
        return {s: counts[s] for s in SEVERITIES}

    @property
    def coverage_status_changes(self) -> list[tuple[PolicyChange, Change]]:
        return [(p, c) for p in self.changed for c in p.coverage_status_changes]

    @property
    def silent_changes(self) -> list[PolicyChange]:
        return [p for p in self.changed if p.silent_change]

    @property
    def needs_attention(self) -> int:
        return (
            len(self.coverage_status_changes)
            + len(self.silent_changes)
            + len(self.failed)
            + len(self.overdue)
        )

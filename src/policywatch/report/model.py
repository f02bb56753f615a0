"""The report as data: what changed in the store during a period, and what needs a human.

Built by :mod:`.collect`; rendered as HTML, JSON, CSV and xlsx by
:mod:`policywatch.render`. Plain frozen dataclasses, so the outputs cannot
disagree. Every entry names its source as the sources config gave it: the
source id, the plan / line of business and the URL or path (``source``).

A text change that only restates a semantic change of the same comparison
(:mod:`.restated`) is folded into it: kept in ``restated`` for the reader, left
out of ``changes``, the counts and the headlines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from policywatch.diff import Change, DiffResult
from policywatch.diff.changes import KINDS, SEVERITIES
from policywatch.model import Severity
from policywatch.report.period import Period
from policywatch.report.restated import Restatement

# Severity.rank for plain strings too: 0 for the most serious.
SEVERITY_RANK: dict[str, int] = {severity: severity.rank for severity in Severity}


def headline(changes: tuple[Change, ...] | list[Change]) -> str:
    """One line of what changed: the most severe change, and how many more."""
    ranked = sorted(changes, key=lambda c: (c.severity.rank, not c.is_semantic))
    if not ranked:
        return "No change"
    top, more = ranked[0], len(ranked) - 1
    line = top.summary + (f" (+{more} more)" if more else "")
    return line if any(c.is_semantic for c in ranked) else f"Wording only: {line}"


def highest(changes: tuple[Change, ...] | list[Change]) -> str | None:
    """The most severe of these changes' severities; None when there are none."""
    if not changes:
        return None
    return min((c.severity for c in changes), key=lambda severity: severity.rank)


@dataclass(frozen=True)
class VersionStep:
    """One version of a policy recorded in the period, and what it changed from the
    version before it."""

    commit: str
    recorded_at: datetime
    summary: str
    severity: str | None  # the most severe change it made; None: nothing a reader sees


@dataclass(frozen=True)
class RevertedChange:
    """A change recorded in the period and undone by a later version in the same period:
    not in the period's net comparison, yet in force between the two dates."""

    change: Change  # as first recorded
    changed_at: datetime
    changed_commit: str
    reverted_at: datetime
    reverted_commit: str


@dataclass(frozen=True)
class PolicyChange:
    """One policy whose recorded version moved in the period (``added`` or ``changed``).

    A policy first recorded in the period is ``added`` (its first version); if later
    versions followed in the same period it is also ``changed``, compared with that
    first version. ``diff`` is the net comparison (start of the period, or first
    version, against the last); ``versions`` lists each version recorded after the
    compared one, and ``reverted`` the changes they made and undid again.
    """

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
    versions: tuple[VersionStep, ...] = ()  # versions recorded after old_commit's, oldest first
    reverted: tuple[RevertedChange, ...] = ()  # changed, then undone within the period
    first_recorded_in_period: bool = False  # changed: old_commit is its first version
    plan: str | None = None  # plan / line of business, as the sources config says
    # net text changes that only restate a semantic change: shown with it, never counted
    restated: tuple[Restatement, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        """The net changes: what differs between the compared versions (text changes
        that only restate another change are folded into it: see ``restated``)."""
        if self.diff is None:
            return ()
        if not self.restated:
            return self.diff.changes
        folded = {id(r.change) for r in self.restated}
        return tuple(c for c in self.diff.changes if id(c) not in folded)

    @property
    def recorded_changes(self) -> tuple[Change, ...]:
        """Every change the period recorded: the net ones and those reverted again."""
        return self.changes + tuple(r.change for r in self.reverted)

    @property
    def highest_severity(self) -> str:
        return highest(self.recorded_changes) or SEVERITIES[-1]

    @property
    def silent_change(self) -> bool:
        return self.diff is not None and self.diff.silent_change

    @property
    def headline(self) -> str:
        """One line of what changed: the most severe change, and how many more; a change
        reverted within the period leads when it is more severe than the net ones."""
        if self.status == "added":
            n = len(self.coverage)
            return f"New policy with {n} coverage statement{'s' if n != 1 else ''}"
        net, undone = self.changes, [r.change for r in self.reverted]
        if (
            undone
            and SEVERITY_RANK[highest(undone) or "low"] < SEVERITY_RANK[highest(net) or "low"]
        ):
            net_note = f"; {len(net)} net change{'s' if len(net) != 1 else ''}" if net else ""
            return f"Changed, then reverted: {headline(undone)}{net_note}"
        if not net and undone:
            return f"Changed, then reverted: {headline(undone)}"
        line = headline(net)
        if undone:
            line += f"; {len(undone)} change{'s' if len(undone) != 1 else ''} reverted"
        return line

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
    recovered_at: datetime | None = None  # a later snapshot run in the period did not fail
    # ``failures`` counts the runs in a row (back across the period's start) that named it
    # failed, up to its last failure in the period, from ``first_failed_at``;
    # ``failures_in_period`` every run in the period that did.
    failures_in_period: int = 0
    plan: str | None = None


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
    source_id: str | None = None
    plan: str | None = None


@dataclass(frozen=True)
class LibraryItem:
    """A policy a payer's index listed for the first time (``new``), no longer listed
    (``retired``: its last version stays in the store) or listed under another title,
    number or link (``renamed``), as a snapshot run recorded it."""

    action: str  # "new" | "retired" | "renamed"
    severity: str  # retired: high; new: medium; renamed: low
    index_id: str
    title: str
    link: str
    recorded_at: datetime
    number: str | None = None
    plan: str | None = None
    source_id: str | None = None  # the tracked source it made (track = all / new)
    was: str | None = None  # renamed: the title it was listed under
    was_link: str | None = None  # renamed: the link it was listed at, when it moved


@dataclass(frozen=True)
class PayerLibrary:
    """One payer's policy library changes in the period, in the order recorded."""

    payer: str
    items: tuple[LibraryItem, ...] = ()

    def of(self, action: str) -> list[LibraryItem]:
        return [item for item in self.items if item.action == action]


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
    library: tuple[PayerLibrary, ...] = ()  # policy library changes, by payer

    @property
    def library_counts(self) -> dict[str, int]:
        """Library changes in the period: new, retired, renamed."""
        items = [item.action for lib in self.library for item in lib.items]
        return {action: items.count(action) for action in ("new", "retired", "renamed")}

    @property
    def changed(self) -> list[PolicyChange]:
        return [p for p in self.policies if p.status == "changed"]

    @property
    def added(self) -> list[PolicyChange]:
        return [p for p in self.policies if p.status == "added"]

    @property
    def all_changes(self) -> list[Change]:
        """Every change recorded in the period, reverted ones included."""
        return [c for p in self.changed for c in p.recorded_changes]

    @property
    def severity_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter(c.severity for c in self.all_changes)
        return {s: counts[s] for s in SEVERITIES}

    @property
    def kind_counts(self) -> dict[str, int]:
        """Changes per kind, in reading order; kinds with none are left out."""
        counts: Counter[str] = Counter(c.kind for c in self.all_changes)
        return {k: counts[k] for k in KINDS if counts[k]}

    @property
    def policies_by_severity(self) -> dict[str, int]:
        """Changed policies by their most severe change."""
        counts: Counter[str] = Counter(p.highest_severity for p in self.changed)
        return {s: counts[s] for s in SEVERITIES}

    @property
    def coverage_status_changes(self) -> list[tuple[PolicyChange, Change]]:
        return [(p, c) for p in self.changed for c in p.coverage_status_changes]

    @property
    def silent_changes(self) -> list[PolicyChange]:
        return [p for p in self.changed if p.silent_change]

    @property
    def reverted_changes(self) -> list[tuple[PolicyChange, RevertedChange]]:
        """Semantic changes recorded and undone within the period (wording-only ones are
        listed with their policy): in force between the two dates all the same."""
        return [(p, r) for p in self.changed for r in p.reverted if r.change.is_semantic]

    @property
    def needs_attention(self) -> int:
        return (
            len(self.coverage_status_changes)
            + len(self.reverted_changes)
            + len(self.silent_changes)
            + len(self.failed)
            + len(self.overdue)
        )

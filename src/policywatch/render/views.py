"""What the HTML templates show for one policy's DiffResult, shaped per kind of change.

Shared by the monthly report and the single-policy page (``diff --format
html``). The templates stay free of logic: every row label and every
word-level highlight is decided here, as plain data (never markup: the
templates escape). Labels come from :mod:`.labels`.

In the report, a text change that only restates a semantic change
(:mod:`policywatch.report.restated`) is not one of the changed sections: it is
listed apart, folded, with the changes it repeats, and the tally leaves it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policywatch.diff import Change, DiffResult
from policywatch.diff.changes import WordOp
from policywatch.diff.words import word_diff
from policywatch.model import DATE_FIELDS
from policywatch.render.labels import (
    DATE_LABELS,
    KIND_TITLES,
    action_verb,
    count_label,
    grouped,
    population_label,
    study_label,
    tally,
)

if TYPE_CHECKING:  # the report's data; importing it would load the store
    from policywatch.report.restated import Restatement

# Coverage wording is short and is the evidence itself: show it whole, no elision.
_NO_ELISION = 1_000_000


@dataclass(frozen=True)
class CoverageView:
    change: Change
    indication: str
    before_status: str | None
    after_status: str | None
    old_words: tuple[WordOp, ...]  # the old wording, deletions marked
    new_words: tuple[WordOp, ...]  # the new wording, insertions marked

    @property
    def status_moved(self) -> bool:
        return self.before_status != self.after_status


# A kind with more low-severity changes than this is folded: long reference or
# history lists would bury what matters.
FOLD_LOW_AFTER = 8


@dataclass(frozen=True)
class Row:
    """One change as a table row: what (label), before, after."""

    change: Change
    label: str
    before: str
    after: str

    @property
    def detail(self) -> str:
        """Before and after in one cell: the side that exists, or ``before → after``."""
        if self.before == "—":
            return self.after
        if self.after == "—":
            return self.before
        return f"{self.before} → {self.after}"


@dataclass(frozen=True)
class KindView:
    kind: str
    title: str
    changes: list[Change]
    coverage: list[CoverageView]
    rows: list[Row]  # codes, evidence, dates, history: shown as a table

    @property
    def folded(self) -> bool:
        low = all(c.severity == "low" for c in self.changes)
        return low and len(self.changes) > FOLD_LOW_AFTER


@dataclass(frozen=True)
class Repeat:
    """A section's wording change that only restates semantic changes shown above it."""

    change: Change
    restates: tuple[str, ...]  # the summaries of the changes it repeats


@dataclass(frozen=True)
class PolicyView:
    kinds: list[KindView]
    sections: list[Change]  # word-level diffs of changed sections, folded
    tally: str
    silent_change: bool
    repeats: list[Repeat] = field(default_factory=list)  # sections that only restate

    @property
    def empty(self) -> bool:
        return not self.kinds and not self.sections


def policy_view(result: DiffResult, restated: Sequence[Restatement] = ()) -> PolicyView:
    """What a page shows of one comparison; ``restated``: its text changes that only
    repeat semantic ones (the report's), listed apart and left out of the tally."""
    folded = {id(r.change) for r in restated}
    kept = DiffResult(
        result.old, result.new, tuple(c for c in result.changes if id(c) not in folded)
    )
    kinds = [_kind_view(kind, changes) for kind, changes in grouped(kept) if kind != "text"]
    sections = [c for c in kept.changes if c.kind == "text"]
    repeats = [Repeat(r.change, tuple(c.summary for c in r.restates)) for r in restated]
    return PolicyView(kinds, sections, tally(kept), result.silent_change, repeats)


def _kind_view(kind: str, changes: list[Change]) -> KindView:
    coverage = [_coverage(c) for c in changes] if kind == "coverage" else []
    make_row = _ROWS.get(kind)
    rows = [make_row(c) for c in changes] if make_row else []
    return KindView(kind, KIND_TITLES[kind], changes, coverage, rows)


def _coverage(change: Change) -> CoverageView:
    before, after = change.before or {}, change.after or {}
    old_words, new_words = _wording(str(before.get("text") or ""), str(after.get("text") or ""))
    return CoverageView(
        change=change,
        indication=str(after.get("indication") or before.get("indication") or ""),
        before_status=before.get("status"),
        after_status=after.get("status"),
        old_words=old_words if change.before else (),
        new_words=new_words if change.after else (),
    )


def _wording(old: str, new: str) -> tuple[tuple[WordOp, ...], tuple[WordOp, ...]]:
    """Each side's wording, the words only it has marked; a lone side is left plain."""
    if not old or not new:
        return (("equal", old),), (("equal", new),)
    old_words: list[WordOp] = []
    new_words: list[WordOp] = []
    for op, text in word_diff(old, new, context=_NO_ELISION).ops:
        if op != "insert":
            old_words.append((op, text))
        if op != "delete":
            new_words.append((op, text))
    return tuple(old_words), tuple(new_words)


def _code_row(change: Change) -> Row:
    side = change.after or change.before or {}
    verb = action_verb(change.action)
    label = f"{side.get('system', '')} {(change.before or side).get('code', '')} {verb}".strip()
    before = _text((change.before or {}).get("description"))
    after = _text((change.after or {}).get("description"))
    if change.action == "modified" and (change.before or {}).get("code") != side.get("code"):
        before = f"{(change.before or {}).get('code')} {before}".strip()
        after = f"{side.get('code')} {after}".strip()
    return Row(change, label, before, after)


def _evidence_row(change: Change) -> Row:
    side = change.after or change.before or {}
    population = population_label(str(side.get("population") or ""))
    if "study_type" not in side:  # a whole population added or removed
        return Row(change, population, _counts(change.before), _counts(change.after))
    study = study_label(str(side["study_type"]))
    before = count_label(_count(change.before), change.before is not None)
    after = count_label(_count(change.after), change.after is not None)
    return Row(change, f"{population}: {study}", before, after)


def _counts(side: dict[str, Any] | None) -> str:
    if side is None:
        return "—"
    counts = side.get("counts") or {}
    return ", ".join(f"{study_label(t)} {count_label(n)}" for t, n in counts.items()) or "none"


def _date_row(change: Change) -> Row:
    name = change.field.removeprefix("dates.")
    label = DATE_LABELS.get(name, name.replace("_", " ")) if name in DATE_FIELDS else change.field
    return Row(
        change,
        label,
        _text(next(iter((change.before or {}).values()), None)),
        _text(next(iter((change.after or {}).values()), None)),
    )


def _history_row(change: Change) -> Row:
    side = change.after or change.before or {}
    label = str(side.get("date") or "")
    if side.get("end_date"):
        label += f" – {side['end_date']}"
    label += f" {action_verb(change.action)}"
    return Row(
        change,
        label,
        _text((change.before or {}).get("action")),
        _text((change.after or {}).get("action")),
    )


def _count(side: dict[str, Any] | None) -> Any:
    return (side or {}).get("count")


def _text(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


_ROWS = {
    "code": _code_row,
    "evidence": _evidence_row,
    "date": _date_row,
    "history": _history_row,
}

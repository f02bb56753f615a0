"""What a diff produces: :class:`Change` records and the :class:`DiffResult` around them.

``to_dict`` follows the JSON contract in DESIGN.md: every change has kind,
action, severity, field, before, after and summary; ``before`` is null for
``added`` and ``after`` is null for ``removed``. Text changes also carry
``words``, the word-level diff the reader sees. Kinds, actions and severities
are the :mod:`policywatch.model` enumerations (their values are the JSON's
strings); ``field`` is the completeness check's kind for a difference no
semantic differ knows (:mod:`policywatch.diff.complete`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from policywatch.model import Action, ChangeKind, Policy, Severity

# The vocabularies in order (kinds as an analyst reads them and the engine emits
# them, severities most serious first), for code that iterates them as strings.
KINDS: tuple[str, ...] = tuple(ChangeKind)
ACTIONS: tuple[str, ...] = tuple(Action)
SEVERITIES: tuple[str, ...] = tuple(Severity)

# Kinds that change what a policy means; ``text`` is only there for the reader.
SEMANTIC_KINDS = frozenset(ChangeKind) - {ChangeKind.TEXT}
# Kinds that, changed without notice, make a "silent change".
SUBSTANTIVE_KINDS = frozenset({ChangeKind.COVERAGE, ChangeKind.CODE, ChangeKind.EVIDENCE})
# Dates whose move counts as notice of a revision. ``published`` is NICE's only version date.
NOTICE_DATES = frozenset(
    {"dates.effective", "dates.last_review", "dates.next_review", "dates.published"}
)

# One step of a word-level diff: ("equal" | "delete" | "insert", text).
WordOp = tuple[str, str]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    action: Action
    severity: Severity
    field: str
    summary: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    words: tuple[WordOp, ...] | None = None  # text changes only

    def __post_init__(self) -> None:
        """Plain strings are read as their members; a string outside a vocabulary raises."""
        if (
            isinstance(self.kind, ChangeKind)
            and isinstance(self.action, Action)
            and isinstance(self.severity, Severity)
        ):
            return  # as the differs make them
        try:
            object.__setattr__(self, "kind", ChangeKind(self.kind))
            object.__setattr__(self, "action", Action(self.action))
            object.__setattr__(self, "severity", Severity(self.severity))
        except ValueError:
            raise ValueError(f"invalid change {self.kind}/{self.action}/{self.severity}") from None

    @property
    def is_semantic(self) -> bool:
        return self.kind in SEMANTIC_KINDS

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "action": self.action.value,
            "severity": self.severity.value,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "summary": self.summary,
        }
        if self.words is not None:
            data["words"] = [list(op) for op in self.words]
        return data


def policy_header(policy: Policy) -> dict[str, Any]:
    """The identifying part of a policy, shown beside its changes."""
    return {
        "title": policy.title,
        "payer": policy.payer,
        "policy_number": policy.policy_number,
        "reference_number": policy.reference_number,
        "dates": asdict(policy.dates),
    }


@dataclass(frozen=True)
class DiffResult:
    old: dict[str, Any]
    new: dict[str, Any]
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def silent_change(self) -> bool:
        """Coverage, codes or evidence moved with no new history entry and no date notice."""
        if not any(c.kind in SUBSTANTIVE_KINDS for c in self.changes):
            return False
        noticed = any(
            (c.kind is ChangeKind.HISTORY and c.action is Action.ADDED)
            or (c.kind is ChangeKind.DATE and c.field in NOTICE_DATES)
            for c in self.changes
        )
        return not noticed

    @property
    def has_semantic_changes(self) -> bool:
        """What the exit code reports: a text-only difference is not a policy change."""
        return any(c.is_semantic for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "silent_change": self.silent_change,
            "changes": [c.to_dict() for c in self.changes],
        }

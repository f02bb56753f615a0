"""The store as the portfolio commands read it: the tracked policies now, and every
recorded version of every policy, in as few git calls as possible.

``recorded_steps`` reads the whole history with the report's reader
(:func:`policywatch.store.period_runs`: one ``git log`` of commit times, one ``git
log --raw``); no policy content is read until a caller asks for blobs, in batches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from policywatch.errors import Argument, ArgumentError
from policywatch.model import CoverageStatus, Policy
from policywatch.store import (
    REPARSE,
    Meta,
    PolicyFolder,
    Store,
    load_policy,
    period_runs,
    read_blobs_by_id,
)

READ_BATCH = 250  # policy.json files per blob read: bounds memory on large stores
_FOREVER = 2**62


class PortfolioError(ArgumentError):
    """A portfolio question that cannot be asked as given (an unknown status, a bad date)."""


def parse_status(text: str) -> CoverageStatus:
    """``investigational``, ``medically necessary``, ``Medically-Necessary`` → the status."""
    key = "_".join(text.strip().casefold().replace("-", " ").split())
    try:
        return CoverageStatus(key)
    except ValueError:
        known = ", ".join(CoverageStatus)
        raise PortfolioError(f"unknown coverage status {text!r}: use one of {known}") from None


def parse_day(argument: str, text: str) -> date:
    """``text`` as a day, for the argument so named (its name is in the error)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PortfolioError(Argument(argument), f" {text!r}: expected a date YYYY-MM-DD") from None


@dataclass(frozen=True)
class Tracked:
    """A policy the store tracks now: its folder, its sources entry and current version."""

    folder: PolicyFolder
    meta: Meta
    policy: Policy
    data: dict[str, object]  # the policy.json as read (for the report's overdue rule)

    @property
    def dir(self) -> str:
        return self.folder.dir


def tracked(store: Store) -> Iterator[Tracked]:
    """Every policy at HEAD whose policy.json reads, in folder order (batched reads)."""
    folders = sorted((f for f in store.folders().values() if f.has_policy), key=lambda f: f.dir)
    for i in range(0, len(folders), READ_BATCH):
        batch = folders[i : i + READ_BATCH]
        metas = store.read_meta(batch)
        texts = read_blobs_by_id(store, [f.json_blob for f in batch])
        for folder in batch:
            data = texts.get(folder.json_blob or "")
            policy = load_policy(data)
            if policy is None or data is None:
                continue  # unreadable: `verify` says so
            yield Tracked(folder, metas.get(folder.dir) or Meta(), policy, policy.to_dict())


@dataclass(frozen=True)
class Step:
    """One commit that changed a policy's policy.json: blob before → after (None: absent)."""

    commit: str
    timestamp: int
    run: str  # "snapshot" | "reparse" | "manual"
    before: str | None
    after: str | None

    @property
    def recorded_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)

    @property
    def is_revision(self) -> bool:
        """A new version of a policy already recorded (not its first, not a parser upgrade)."""
        return self.run != REPARSE and self.before is not None and self.after is not None


def recorded_steps(store: Store, policy_dirs: Iterable[str] | None = None) -> dict[str, list[Step]]:
    """Each policy's steps, oldest first (every policy ever recorded, or these only)."""
    wanted = None if policy_dirs is None else set(policy_dirs)
    steps: dict[str, list[Step]] = defaultdict(list)
    for run in period_runs(store, 0, _FOREVER).runs:
        for policy_dir, edit in run.policies.items():
            if wanted is None or policy_dir in wanted:
                steps[policy_dir].append(
                    Step(run.commit, run.timestamp, run.kind, edit.before, edit.after)
                )
    return dict(steps)

"""Store upkeep against the current normalizer: ``verify`` (is everything sound?) and
``reparse`` (a parser upgrade, recorded as its own kind of run).

Both read every policy folder's raw file and policy.json in batches through the
store and re-derive the JSON with :func:`policywatch.normalize.policy_json`; the
store itself never parses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from policywatch.errors import PolicywatchError
from policywatch.model import Policy
from policywatch.normalize import policy_json
from policywatch.store import (
    POLICY_FILE,
    REPARSE,
    Failure,
    Meta,
    PolicyFolder,
    Run,
    Store,
    group_folders,
    load_json,
    store_path,
)

BATCH = 200  # raw files read per cat-file call: bounds memory on big stores


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "problems": self.problems}


def verify(store: Store) -> VerifyReport:
    """git fsck, then every policy: valid JSON, a Policy, re-derivable from its raw bytes."""
    report = VerifyReport()
    fsck = store.fsck_problem()
    if fsck:
        report.problems.append(f"git fsck --strict: {fsck}")
    if store.worktree_differs():
        report.problems.append(
            "the worktree differs from the last commit (an interrupted run?); "
            "the next snapshot or reparse restores it"
        )
    folders = [f for f in store.folders().values() if f.has_policy]
    metas = store.read_meta(folders)
    for folder, raw, stored in _contents(store, folders):
        report.checked += 1
        problem = _check_one(raw, stored, _payer(metas.get(folder.dir)))
        if problem:
            report.problems.append(f"{folder.dir}: {problem}")
    return report


def _payer(meta: Meta | None) -> str | None:
    return meta.payer if meta is not None else None


def _contents(
    store: Store, folders: list[PolicyFolder]
) -> Iterator[tuple[PolicyFolder, bytes | None, bytes | None]]:
    """(folder, raw bytes, policy.json bytes), ``BATCH`` folders per read."""
    for i in range(0, len(folders), BATCH):
        batch = folders[i : i + BATCH]
        names: list[str] = []
        for folder in batch:
            names.append(folder.raw_blob or "0" * 40)
            names.append(folder.json_blob or "0" * 40)
        blobs = store.read_blobs(names)
        for j, folder in enumerate(batch):
            yield folder, blobs[2 * j], blobs[2 * j + 1]


def _check_one(raw: bytes | None, stored: bytes | None, payer: str | None) -> str | None:
    if stored is None:
        return f"{POLICY_FILE} missing"
    data = load_json(stored)
    if data is None:
        return f"{POLICY_FILE} is not a JSON object"
    try:
        Policy.from_dict(data)
    except (TypeError, ValueError) as exc:
        return f"{POLICY_FILE} does not load as a policy: {exc}"
    if raw is None:
        return "raw source file missing"
    try:
        derived = policy_json(raw, payer)
    except PolicywatchError as exc:
        return f"raw source no longer parses: {exc}"
    except Exception as exc:  # a parser bug must not hide the other policies' results
        return f"parser crashed on the raw source: {type(exc).__name__}: {exc}"
    if derived.encode("utf-8") != stored:
        return f"{POLICY_FILE} differs from what the current parser derives (see `reparse`)"
    return None


@dataclass
class ReparseSummary:
    checked: int = 0
    updated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    commit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "updated": self.updated,
            "failed": self.failed,
            "commit": self.commit,
        }

    def line(self) -> str:
        where = f"commit {self.commit[:12]}" if self.commit else "no commit (nothing to update)"
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (
            f"reparse: {self.checked} policies, {len(self.updated)} re-normalized{failed}; {where}"
        )

    def run(self) -> Run:
        """The run log of this reparse."""
        kept = tuple(Failure(None, d, None, e) for d, e in sorted(self.failed.items()))
        return Run(REPARSE, renormalized=tuple(self.updated), failed=kept)


def reparse(store: Store, when: datetime) -> ReparseSummary:
    """Re-derive every policy.json from its raw bytes with the current parser, in one
    commit marked ``Policywatch-Run: reparse`` (a parser upgrade, not a policy change).

    A raw file that no longer parses keeps its old policy.json and is reported.
    Call with a store opened by :meth:`Store.open_for_write`.
    """
    summary = ReparseSummary()
    txn = store.transaction()
    folders = [f for f in group_folders(txn.base).values() if f.has_policy and f.raw_blob]
    metas = store.read_meta(folders)
    for folder, raw, _stored in _contents(store, folders):
        summary.checked += 1
        try:
            derived = policy_json(raw or b"", _payer(metas.get(folder.dir)))
        except Exception as exc:  # keep going: one bad file must not stop the upgrade
            summary.failed[folder.dir] = str(exc) or type(exc).__name__
            continue
        if txn.put(store_path(folder.dir, POLICY_FILE), derived.encode("utf-8")):
            summary.updated.append(folder.dir)
    summary.commit = txn.commit(summary.run(), when)
    return summary

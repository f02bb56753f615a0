"""Store upkeep: ``verify`` (is everything sound?) and ``reparse`` (parser upgrade)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from policywatch.errors import PolicywatchError
from policywatch.model import SCHEMA_VERSION, Policy
from policywatch.store.records import (
    POLICY_FILE,
    PolicyFolder,
    derive_policy_json,
    group_folders,
    load_json,
    store_path,
)
from policywatch.store.repository import Store

REPARSE_BATCH = 200  # raw files read per cat-file call: bounds memory on big stores


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
    fsck = _fsck_problem(store)
    if fsck:
        report.problems.append(f"git fsck --strict: {fsck}")
    if store.git.run("status", "--porcelain", check=False).strip():
        report.problems.append(
            "the worktree differs from the last commit (an interrupted run?); "
            "the next snapshot or reparse restores it"
        )
    folders = [f for f in store.folders(with_meta=True).values() if f.has_policy]
    for batch in _batches(folders):
        for folder, problem in _check_batch(store, batch):
            report.checked += 1
            if problem:
                report.problems.append(f"{folder.dir}: {problem}")
    return report


def _fsck_problem(store: Store) -> str | None:
    done = store.git.run_unchecked("fsck", "--strict", "--no-dangling", "--no-progress")
    if done.returncode == 0:
        return None
    lines = (done.stderr + done.stdout).decode("utf-8", "replace").strip().splitlines()
    return "; ".join(lines[:3]) or f"exit {done.returncode}"


def _batches(folders: list[PolicyFolder]) -> list[list[PolicyFolder]]:
    return [folders[i : i + REPARSE_BATCH] for i in range(0, len(folders), REPARSE_BATCH)]


def _read_pairs(store: Store, batch: list[PolicyFolder]) -> list[tuple[bytes | None, bytes | None]]:
    names: list[str] = []
    for folder in batch:
        names.append(folder.raw_blob or "0" * 40)
        names.append(folder.json_blob or "0" * 40)
    blobs = store.git.read_blobs(names)
    return [(blobs[i], blobs[i + 1]) for i in range(0, len(blobs), 2)]


def _check_batch(store: Store, batch: list[PolicyFolder]) -> list[tuple[PolicyFolder, str | None]]:
    results = []
    for folder, (raw, stored) in zip(batch, _read_pairs(store, batch), strict=True):
        results.append((folder, _check_one(folder, raw, stored)))
    return results


def _check_one(folder: PolicyFolder, raw: bytes | None, stored: bytes | None) -> str | None:
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
    payer = folder.meta.get("payer") if folder.meta else None
    try:
        derived = derive_policy_json(raw, payer)
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


def reparse(store: Store, when: datetime) -> ReparseSummary:
    """Re-derive every policy.json from its raw bytes with the current parser, in one
    commit marked ``Policywatch-Run: reparse`` (a parser upgrade, not a policy change).

    A raw file that no longer parses keeps its old policy.json and is reported.
    Call with a store opened by :meth:`Store.open_for_write`.
    """
    summary = ReparseSummary()
    txn = store.transaction()
    folders = [f for f in group_folders(txn.base).values() if f.has_policy and f.raw_blob]
    store.load_meta(folders)
    for batch in _batches(folders):
        for folder, (raw, _stored) in zip(batch, _read_pairs(store, batch), strict=True):
            summary.checked += 1
            payer = folder.meta.get("payer") if folder.meta else None
            try:
                derived = derive_policy_json(raw or b"", payer)
            except Exception as exc:  # keep going: one bad file must not stop the upgrade
                summary.failed[folder.dir] = str(exc) or type(exc).__name__
                continue
            if txn.put(store_path(folder.dir, POLICY_FILE), derived.encode("utf-8")):
                summary.updated.append(folder.dir)
    summary.commit = txn.commit(_reparse_message(summary), when)
    return summary


def _reparse_message(summary: ReparseSummary) -> str:
    lines = [f"Reparse: {len(summary.updated)} policies re-normalized by a parser upgrade", ""]
    lines += ["Not a policy change: the raw documents are unchanged.", "", "Re-normalized:"]
    lines += [f"- {d}" for d in summary.updated]
    if summary.failed:
        lines += ["", "Failed (kept as they were):"]
        lines += [f"- {d}: {err}" for d, err in sorted(summary.failed.items())]
    lines += ["", "Policywatch-Run: reparse", f"Policywatch-Schema: {SCHEMA_VERSION}"]
    return "\n".join(lines) + "\n"

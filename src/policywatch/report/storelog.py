"""Reading a period of store history in a few git calls (the report's only store access).

Built on the store's public :class:`~policywatch.store.Store` and its git
boundary; nothing here writes. Commit dates are fetch times and snapshot
runs are committed oldest first, so a period is a contiguous run of commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from policywatch.store import POLICY_FILE, Store
from policywatch.store.gitcli import ZERO_SHA

REPARSE = "reparse"
_POLICY_SUFFIX = "/" + POLICY_FILE
# One record per commit: hash, parents, time, run trailer, message; then --raw lines.
_FORMAT = (
    "%x1e%H%x1f%P%x1f%ct%x1f%(trailers:key=Policywatch-Run,valueonly,separator=%x2C)%x1f%B%x1f"
)


@dataclass(frozen=True)
class BlobChange:
    """A policy.json as one commit changed it; ``ZERO_SHA`` marks absence."""

    old: str
    new: str
    status: str  # git's A / M / D


@dataclass(frozen=True)
class Run:
    """One store commit: a snapshot run or a reparse."""

    commit: str
    parent: str | None
    timestamp: int
    kind: str  # "snapshot" | "reparse"
    message: str
    policies: dict[str, BlobChange] = field(default_factory=dict)  # policy_dir → change

    @property
    def is_reparse(self) -> bool:
        return self.kind == REPARSE


def timeline(store: Store) -> list[tuple[str, int]]:
    """Every commit as (id, commit time), newest first; cheap even for long histories."""
    if store.head() is None:
        return []
    out = store.git.run("log", "--format=%H %ct", "HEAD")
    pairs = (line.split() for line in out.decode().splitlines() if line)
    return [(sha, int(ts)) for sha, ts in pairs]


def current_at(commits: list[tuple[str, int]], before: int) -> str | None:
    """The commit current just before ``before`` (a timestamp), from a newest-first timeline."""
    return next((sha for sha, ts in commits if ts < before), None)


def read_runs(store: Store, commits: Iterable[str]) -> list[Run]:
    """The named commits with their messages and policy.json changes, in the order given."""
    wanted = list(commits)
    if not wanted:
        return []
    out = store.git.run(
        "log", "--no-walk=unsorted", "--stdin", f"--format={_FORMAT}", "--raw", "--no-abbrev",
        input="".join(f"{sha}\n" for sha in wanted).encode(),
    )  # fmt: skip
    return [_parse_run(record) for record in out.decode("utf-8", "replace").split("\x1e")[1:]]


def _parse_run(record: str) -> Run:
    sha, parents, ts, run, message, raw = record.split("\x1f", 5)
    return Run(
        commit=sha,
        parent=parents.split()[0] if parents.strip() else None,
        timestamp=int(ts),
        kind=run.strip() or "snapshot",
        message=message.strip(),
        policies=_policy_changes(raw),
    )


def _policy_changes(raw: str) -> dict[str, BlobChange]:
    changes: dict[str, BlobChange] = {}
    for line in raw.splitlines():
        if not line.startswith(":"):
            continue
        info, _, path = line.partition("\t")
        if not path.endswith(_POLICY_SUFFIX) or path.count("/") != 2:
            continue  # raw files, meta.json, failed/ bytes: not the policy itself
        _old_mode, _new_mode, old, new, status = info[1:].split()
        changes[path[: -len(_POLICY_SUFFIX)]] = BlobChange(old, new, status[0])
    return changes


def changes_since(store: Store, rev: str, since: int, policy_dirs: Iterable[str]) -> list[Run]:
    """Commits up to ``rev`` dated ``since`` or later that changed these policies, newest first."""
    paths = [f"{d}{_POLICY_SUFFIX}" for d in policy_dirs]
    if not paths:
        return []
    out = store.git.run(
        "log", f"--format={_FORMAT}", "--raw", "--no-abbrev", f"--since=@{since}", rev, "--", *paths
    )
    return [_parse_run(record) for record in out.decode("utf-8", "replace").split("\x1e")[1:]]


def read_texts(store: Store, blobs: Iterable[str]) -> dict[str, bytes]:
    """Blob id → bytes, in one pipelined read; absent ids (``ZERO_SHA``) are skipped."""
    ids = sorted({b for b in blobs if b and b != ZERO_SHA})
    return {
        sha: data
        for sha, data in zip(ids, store.git.read_blobs(ids), strict=True)
        if data is not None
    }

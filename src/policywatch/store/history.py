"""Reading the store: which policy a name means, its versions, a version at a commit or
date, and the runs a period of history recorded (what reports read).

A *version* is a commit that changed a policy's ``policy.json``, whoever made
it: commits with no ``Policywatch-Run`` trailer (made by hand with git) are
versions too, listed with ``run == "manual"``. Commits
made by ``reparse`` (trailer ``Policywatch-Run: reparse``) are versions of
the normalized file but not policy changes; they are listed with
``run == "reparse"`` so log and reports can tell them apart. A snapshot run
whose only outcomes were failures is a commit that changes no file: it is
never a version (``log`` filters by path), and reports read its
``Policywatch-Failed:`` trailers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policywatch.errors import StoreError
from policywatch.model import Policy
from policywatch.sources import slugify
from policywatch.store.gitcli import ZERO_SHA, StoreDamaged
from policywatch.store.records import POLICY_FILE, load_policy
from policywatch.store.repository import Store

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def parse_instant(text: str) -> datetime:
    """``YYYY-MM-DD`` or an ISO date-time; without an offset it is UTC."""
    value = text.strip()
    if not (_DATE.match(value) or _DATETIME.match(value)):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or ISO date-time")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_date_reference(text: str) -> bool:
    return bool(_DATE.match(text) or _DATETIME.match(text))


def cutoff(text: str) -> int:
    """The last second a date reference covers: a bare date means the whole day."""
    moment = parse_instant(text)
    if _DATE.match(text.strip()):
        return int((moment + timedelta(days=1)).timestamp()) - 1
    return int(moment.timestamp())


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


REPARSE = "reparse"
SNAPSHOT = "snapshot"
MANUAL = "manual"  # a commit with no Policywatch-Run trailer: made by hand


def run_kind(trailer: str) -> str:
    """A commit's kind from its ``Policywatch-Run`` trailer value(s)."""
    value = trailer.strip(" \n").split(",")[0].strip()
    return value or MANUAL


@dataclass(frozen=True)
class Version:
    commit: str
    timestamp: int
    run: str  # "snapshot" | "reparse" | "manual"
    summary: str = ""

    @property
    def date(self) -> str:
        return iso(self.timestamp)

    @property
    def is_policy_change(self) -> bool:
        return self.run != "reparse"

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "date": self.date,
            "run": self.run,
            "policy_change": self.is_policy_change,
            "summary": self.summary,
        }


def find_policy(store: Store, name: str) -> str | None:
    """The folder (``payer-slug/policy-slug``) a source id or folder path names, or None."""
    folders = {d: f for d, f in store.folders().items() if f.has_policy}
    if name in folders:
        return name
    slug = slugify(name)
    candidates = [f for d, f in folders.items() if d.split("/")[1] == slug]
    if len(candidates) > 1:
        store.load_meta(candidates)
        exact = [f for f in candidates if f.meta and f.meta.get("id") == name]
        candidates = exact or candidates
    if len(candidates) > 1:
        listed = ", ".join(sorted(f.dir for f in candidates))
        raise StoreError(f"{name!r} is ambiguous in {store.root}: use one of {listed}")
    return candidates[0].dir if candidates else None


def require_policy(store: Store, name: str) -> str:
    found = find_policy(store, name)
    if found is None:
        raise StoreError(f"no policy {name!r} in the store at {store.root}")
    return found


def commits_touching(store: Store, policy_dir: str) -> list[Version]:
    """Every commit that changed the policy's JSON, oldest first in history order
    (no summaries), with or without policywatch trailers."""
    fmt = "%x1e%H%x1f%ct%x1f%(trailers:key=Policywatch-Run,valueonly,separator=%x2C)"
    head = store.head()
    if head is None:
        return []
    path = f"{policy_dir}/{POLICY_FILE}"
    out = store.git.run("log", "--topo-order", f"--format={fmt}", head, "--", path)
    found = []
    for record in out.decode("utf-8", "replace").split("\x1e")[1:]:
        # Only newlines are trimmed: str.strip() would also eat the \x1f separators.
        sha, timestamp, run = record.strip("\n").split("\x1f", 2)
        found.append(Version(sha, int(timestamp), run_kind(run)))
    return found[::-1]


def versions(store: Store, policy_dir: str) -> list[Version]:
    """Every version with a one-line account of what it changed, oldest first."""
    commits = commits_touching(store, policy_dir)
    blobs = store.git.read_blobs([f"{v.commit}:{policy_dir}/{POLICY_FILE}" for v in commits])
    described: list[Version] = []
    previous: Policy | None = None
    for version, data in zip(commits, blobs, strict=True):
        current = load_policy(data)
        summary = describe(previous, current, version.run)
        described.append(Version(version.commit, version.timestamp, version.run, summary))
        previous = current if current is not None else previous
    return described


def describe(old: Policy | None, new: Policy | None, run: str) -> str:
    """One line of what a version changed, for ``log``."""
    if run == REPARSE:
        return "re-normalized by a parser upgrade (not a policy change)"
    if run == MANUAL:
        return f"{_describe(old, new)} (committed by hand)"
    return _describe(old, new)


def _describe(old: Policy | None, new: Policy | None) -> str:
    if new is None:
        return "policy.json unreadable"
    if old is None:
        return f"first recorded: {new.title or 'untitled'}"
    from policywatch.diff import diff_policies

    result = diff_policies(old, new)
    semantic = sorted(
        (c for c in result.changes if c.is_semantic),
        key=lambda c: _SEVERITY_ORDER.get(c.severity, 3),
    )
    if not semantic:
        texts = sum(1 for c in result.changes if c.kind == "text")
        return f"wording only ({texts} section(s))" if texts else "no change in the policy"
    top = semantic[0]
    more = f" (+{len(semantic) - 1} more)" if len(semantic) > 1 else ""
    silent = " [silent change]" if result.silent_change else ""
    return f"{top.severity}: {top.summary}{more}{silent}"


def policy_text_at(store: Store, policy_dir: str, at: str | None) -> tuple[str, str]:
    """(commit, policy.json text) of the version current at ``at``: None for the
    latest, a commit-ish, or a date / date-time (the version current then)."""
    commit = _commit_for(store, policy_dir, at)
    path = f"{policy_dir}/{POLICY_FILE}"
    data = store.git.read_blob(f"{commit}:{path}")
    if data is None:
        blob = store.git.object_id(f"{commit}:{path}")
        if blob is not None:
            raise StoreError(
                f"{path} at commit {commit} is missing or corrupt (object {blob}); "
                "run `policywatch verify`"
            )
        raise StoreError(f"{policy_dir} has no version at {at or 'HEAD'}")
    return commit, data.decode("utf-8")


def _commit_for(store: Store, policy_dir: str, at: str | None) -> str:
    if at is None or at == "":
        head = store.head()
        if head is None:
            raise StoreError(f"the store at {store.root} is empty")
        return head
    if is_date_reference(at):
        try:
            last = cutoff(at)
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        current: Version | None = None
        for version in commits_touching(store, policy_dir):  # oldest first
            # the latest dated at or before the moment; of runs sharing a timestamp
            # (they waited for one another), the one recorded last
            if version.timestamp <= last and (
                current is None or version.timestamp >= current.timestamp
            ):
                current = version
        if current is None:
            raise StoreError(f"{policy_dir} has no version on or before {at}")
        return current.commit
    commit = store.git.resolve_commit(at)
    if commit is None:
        raise StoreError(f"{at!r} is not a commit in the store at {store.root}")
    return commit


def split_reference(ref: str) -> tuple[str, str | None]:
    """``POLICY@AT`` → (POLICY, AT); a bare ``POLICY`` → (POLICY, None)."""
    name, sep, at = ref.rpartition("@")
    if not sep or not name:
        return ref, None
    return name, at


def resolve_reference(store_dir: str | Path, ref: str) -> Policy | None:
    """``POLICY@REV`` / ``POLICY@YYYY-MM-DD`` → that stored version, for ``diff``.

    None when ``ref`` is not of that form or names no stored policy (so the
    caller can treat it as a file); :class:`StoreError` when the policy exists
    but has no version at that commit or date.
    """
    name, at = split_reference(ref)
    if at is None or not at:
        return None
    try:
        store = Store.open(store_dir)
    except StoreDamaged:
        raise  # a damaged store is an error, not a reason to read a file instead
    except StoreError:
        return None
    policy_dir = find_policy(store, name)
    if policy_dir is None:
        return None
    _, text = policy_text_at(store, policy_dir, at)
    return Policy.from_json(text)


# -- runs: what a period of history recorded (the report's reading) ----------------------------

_POLICY_SUFFIX = "/" + POLICY_FILE
# One record per commit: hash, parents, time, run trailer, message; then --raw lines.
_RUN_FORMAT = (
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
    """One store commit: a snapshot run (possibly one that only recorded failures) or a
    reparse, with the policy.json files it changed."""

    commit: str
    parent: str | None
    timestamp: int
    kind: str  # "snapshot" | "reparse" | "manual"
    message: str
    policies: dict[str, BlobChange] = field(default_factory=dict)  # policy_dir → change

    @property
    def is_reparse(self) -> bool:
        return self.kind == REPARSE

    @property
    def is_snapshot(self) -> bool:
        """A snapshot run: it fetched every configured source (a hand commit did not)."""
        return self.kind == SNAPSHOT


@dataclass(frozen=True)
class PeriodRuns:
    """The commits dated in ``[start, end)``, oldest first, and the commits current
    just before ``start`` and just before ``end`` (None before the first run).
    ``earlier``: the ids of the commits dated before ``start``, newest first (read
    with :func:`runs_before` when a report must look back, e.g. for failure streaks)."""

    runs: list[Run]
    start_commit: str | None
    end_commit: str | None
    earlier: tuple[str, ...] = ()


def period_runs(store: Store, start: int, end: int) -> PeriodRuns:
    """What the store recorded from ``start`` (inclusive) to ``end`` (exclusive), both
    Unix times: one ``git log`` of commit ids and times (a few bytes per commit, so
    cheap for years of nightly runs) and one ``git log --raw`` of the period's commits
    only. No policy content is read, and history outside the period is never diffed.

    Commit dates, not topology, decide: a store may mix back-filled (``--as-of``) and
    live runs, so dates need not fall monotonically along the history.
    """
    commits = _timeline(store)
    inside = [sha for sha, ts in reversed(commits) if start <= ts < end]
    return PeriodRuns(
        runs=_read_runs(store, inside),
        start_commit=_current_at(commits, start),
        end_commit=_current_at(commits, end),
        earlier=tuple(sha for sha, ts in commits if ts < start),
    )


def runs_before(store: Store, earlier: Iterable[str], batch: int = 32) -> Iterator[Run]:
    """The runs of these commits (messages only, no file changes), in the order given,
    read ``batch`` at a time: a reader that stops early reads little."""
    chunk: list[str] = []
    for sha in earlier:
        chunk.append(sha)
        if len(chunk) == batch:
            yield from _read_runs(store, chunk, changes=False)
            chunk = []
    if chunk:
        yield from _read_runs(store, chunk, changes=False)


def _timeline(store: Store) -> list[tuple[str, int]]:
    """Every commit as (id, commit time), newest first (history order among equal times)."""
    head = store.head()
    if head is None:
        return []
    out = store.git.run("log", "--topo-order", "--format=%H %ct", head)
    pairs = (line.split() for line in out.decode().splitlines() if line)
    return [(sha, int(ts)) for sha, ts in pairs]


def _current_at(commits: list[tuple[str, int]], before: int) -> str | None:
    """The commit current just before ``before``, from a newest-first timeline."""
    return next((sha for sha, ts in commits if ts < before), None)


def _read_runs(store: Store, commits: list[str], changes: bool = True) -> list[Run]:
    """The named commits with their messages and (``changes``) policy.json changes,
    in the order given."""
    if not commits:
        return []
    raw = ["--raw", "--no-abbrev"] if changes else []
    out = store.git.run(
        "log", "--no-walk=unsorted", "--stdin", f"--format={_RUN_FORMAT}", *raw,
        input="".join(f"{sha}\n" for sha in commits).encode(),
    )  # fmt: skip
    return _parse_runs(out)


def policy_changes_since(
    store: Store, rev: str, since: int, policy_dirs: Iterable[str]
) -> list[Run]:
    """Commits up to ``rev`` dated ``since`` or later that changed these policies'
    policy.json, newest first (paths go to git on stdin: any number of policies)."""
    paths = sorted(f"{d}{_POLICY_SUFFIX}" for d in policy_dirs)
    if not paths:
        return []
    request = "".join(f"{p}\n" for p in ["--", *paths]).encode("utf-8")
    out = store.git.run(
        "log", f"--format={_RUN_FORMAT}", "--raw", "--no-abbrev", f"--since=@{since}",
        "--stdin", rev, input=request,
    )  # fmt: skip
    return _parse_runs(out)


def read_blobs_by_id(store: Store, blobs: Iterable[str]) -> dict[str, bytes]:
    """Blob id → bytes, in one pipelined read; absent ids (``ZERO_SHA``) are skipped."""
    ids = sorted({b for b in blobs if b and b != ZERO_SHA})
    return {
        sha: data
        for sha, data in zip(ids, store.git.read_blobs(ids), strict=True)
        if data is not None
    }


def _parse_runs(out: bytes) -> list[Run]:
    return [_parse_run(record) for record in out.decode("utf-8", "replace").split("\x1e")[1:]]


def _parse_run(record: str) -> Run:
    sha, parents, ts, run, message, raw = record.split("\x1f", 5)
    return Run(
        commit=sha,
        parent=parents.split()[0] if parents.strip() else None,
        timestamp=int(ts),
        kind=run_kind(run),
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

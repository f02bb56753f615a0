"""Reading the store's history: a policy's versions, the version at a commit or date, and
the runs a period recorded (what reports read). Plain data out: blob ids (None where a
file is absent), instants, and each commit's :class:`~.runlog.Run`.

A *version* is a commit that changed a policy's ``policy.json``, whoever made
it: commits with no ``Policywatch-Run`` trailer (made by hand with git) are
versions too, with ``run == "manual"``. Commits made by ``reparse`` are versions
of the normalized file but not policy changes (``run == "reparse"``), so log and
reports can tell them apart. A snapshot run whose only outcomes were failures
(or recoveries) changes no file: it is never a version, and reports read its
run log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from policywatch.errors import StoreError
from policywatch.model import Action
from policywatch.store.gitcli import ZERO_SHA
from policywatch.store.instants import cutoff, is_date_reference, iso
from policywatch.store.layout import POLICY_FILE
from policywatch.store.repository import Store
from policywatch.store.runlog import REPARSE, Run, kind_of

_POLICY_SUFFIX = "/" + POLICY_FILE
_RECORD = "\x1e"
_FIELD = "\x1f"


@dataclass(frozen=True)
class Version:
    """A commit that changed one policy's policy.json."""

    commit: str
    timestamp: int
    run: str  # "snapshot" | "reparse" | "manual"

    @property
    def date(self) -> str:
        return iso(self.timestamp)

    @property
    def is_policy_change(self) -> bool:
        return self.run != REPARSE


def policy_versions(store: Store, policy_dir: str) -> list[Version]:
    """Every commit that changed the policy's JSON, oldest first in history order,
    with or without policywatch trailers."""
    head = store.head()
    if head is None:
        return []
    fmt = "%x1e%H%x1f%ct%x1f%B"
    path = f"{policy_dir}/{POLICY_FILE}"
    out = store.git.run("log", "--topo-order", f"--format={fmt}", head, "--", path)
    found = []
    for record in out.decode("utf-8", "replace").split(_RECORD)[1:]:
        # Only newlines are trimmed: str.strip() would also eat the separators.
        sha, timestamp, message = record.strip("\n").split(_FIELD, 2)
        found.append(Version(sha, int(timestamp), kind_of(message)))
    return found[::-1]


def policy_texts(store: Store, policy_dir: str, commits: list[str]) -> list[bytes | None]:
    """The policy's policy.json at each commit (None where absent or unreadable)."""
    return store.git.read_blobs([f"{c}:{policy_dir}/{POLICY_FILE}" for c in commits])


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
        for version in policy_versions(store, policy_dir):  # oldest first
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


# -- runs: what a period of history recorded (the report's reading) ----------------------------

# One record per commit: hash, parents, time, message; then --raw lines.
_RUN_FORMAT = "%x1e%H%x1f%P%x1f%ct%x1f%B%x1f"


@dataclass(frozen=True)
class PolicyEdit:
    """A policy.json as one commit changed it: its blob before and after (None: absent)."""

    before: str | None
    after: str | None

    @property
    def action(self) -> Action:
        if self.before is None:
            return Action.ADDED
        return Action.REMOVED if self.after is None else Action.MODIFIED


@dataclass(frozen=True)
class RunCommit:
    """One store commit: its run log (a snapshot run, possibly one that only recorded
    failures; a reparse; a hand commit) and the policy.json files it changed."""

    commit: str
    parent: str | None
    timestamp: int
    log: Run
    policies: dict[str, PolicyEdit] = field(default_factory=dict)  # policy_dir → edit

    @property
    def kind(self) -> str:
        return self.log.kind

    @property
    def is_reparse(self) -> bool:
        return self.log.is_reparse

    @property
    def is_snapshot(self) -> bool:
        """A snapshot run: it fetched every configured source (a hand commit did not)."""
        return self.log.is_snapshot


@dataclass(frozen=True)
class PeriodRuns:
    """The commits dated in ``[start, end)``, oldest first, and the commits current
    just before ``start`` and just before ``end`` (None before the first run).
    ``earlier``: the ids of the commits dated before ``start``, newest first (read
    with :func:`runs_before` when a report must look back, e.g. for failure streaks)."""

    runs: list[RunCommit]
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


def runs_before(store: Store, earlier: Iterable[str], batch: int = 32) -> Iterator[RunCommit]:
    """The runs of these commits (run logs only, no file changes), in the order given,
    read ``batch`` at a time: a reader that stops early reads little."""
    chunk: list[str] = []
    for sha in earlier:
        chunk.append(sha)
        if len(chunk) == batch:
            yield from _read_runs(store, chunk, changes=False)
            chunk = []
    if chunk:
        yield from _read_runs(store, chunk, changes=False)


def failing_sources(store: Store) -> frozenset[str]:
    """The sources and indexes still failing as far as the store knows: those the newest
    snapshot run named failed (ids are unique across both). A snapshot run uses it to say
    which recovered (and to commit that run even when nothing else changed)."""
    newest_first = (sha for sha, _ in _timeline(store))
    for run in runs_before(store, newest_first, batch=8):
        if run.is_snapshot:
            indexes = {f.source_id for f in run.log.index_failed if f.source_id}
            return frozenset(run.log.failed_ids) | indexes
    return frozenset()


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


def _read_runs(store: Store, commits: list[str], changes: bool = True) -> list[RunCommit]:
    """The named commits with their run logs and (``changes``) policy.json changes,
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
) -> list[RunCommit]:
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


def read_blobs_by_id(store: Store, blobs: Iterable[str | None]) -> dict[str, bytes]:
    """Blob id → bytes, in one pipelined read; absent ids (None) are skipped."""
    ids = sorted({b for b in blobs if b})
    return {
        sha: data
        for sha, data in zip(ids, store.git.read_blobs(ids), strict=True)
        if data is not None
    }


def _parse_runs(out: bytes) -> list[RunCommit]:
    text = out.decode("utf-8", "replace")
    return [_parse_run(record) for record in text.split(_RECORD)[1:]]


def _parse_run(record: str) -> RunCommit:
    sha, parents, ts, message, raw = record.split(_FIELD, 4)
    return RunCommit(
        commit=sha,
        parent=parents.split()[0] if parents.strip() else None,
        timestamp=int(ts),
        log=Run.from_message(message.strip()),
        policies=_policy_edits(raw),
    )


def _policy_edits(raw: str) -> dict[str, PolicyEdit]:
    edits: dict[str, PolicyEdit] = {}
    for line in raw.splitlines():
        if not line.startswith(":"):
            continue
        info, _, path = line.partition("\t")
        if not path.endswith(_POLICY_SUFFIX) or path.count("/") != 2:
            continue  # raw files, meta.json, failed/ bytes: not the policy itself
        _old_mode, _new_mode, old, new, _status = info[1:].split()
        edits[path[: -len(_POLICY_SUFFIX)]] = PolicyEdit(_blob(old), _blob(new))
    return edits


def _blob(sha: str) -> str | None:
    return None if sha == ZERO_SHA else sha

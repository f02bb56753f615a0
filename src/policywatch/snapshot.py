"""A snapshot run: sources → fetch → parse → store, one commit for the whole run.

Per source, :func:`process_source` (fetch + parse; no store writes) gives a
:class:`Processed`; the run records it in one store transaction. Outcomes are
explicit — added, changed, unchanged, failed — and one bad source never stops
the run:

* bytes identical to the stored raw file are ``unchanged`` without parsing;
* new bytes whose normalized policy is identical are ``unchanged`` too and
  are not stored (dynamic page furniture would otherwise commit nightly);
* a failed fetch records nothing; bytes that fetched but did not parse go to
  ``failed/`` beside the current version, which stays current. A run whose
  only outcomes are failures is still committed (an empty change marked with
  ``Policywatch-Failed:`` trailers) so reports can show them;
* a new document must pass the plausibility gate
  (:mod:`policywatch.parse.plausibility`) before it is recorded: one that does
  not read as a policy (a login, bot-check, not-found or error page) or reads
  as a collapse of the version it would replace is a failure of stage
  ``suspect``; a page saying the policy was retired or archived is a failure of
  stage ``retired``. Either way its bytes go to ``failed/`` with the reason, the
  last good version stays current, and the run exits 3; ``accept`` (``snapshot
  --accept ID``) records such a document on purpose. The worker judges the
  document alone; the writer, for a changed policy, judges it against the
  version it would replace (read from the store only then).

Scaling out (:mod:`policywatch.executors`): sources stream through
:func:`plan_batches` in config order; fetch + parse run in batches on worker
processes or a Dask cluster (:func:`process_batch`), while this process — the
one writer — records results in source order, so the store is byte-identical
whatever the number of workers. Unchanged local files are told before any
parse work is shipped: a hash-only pass on the local workers (or the writer
itself, for Dask) finds the files whose bytes equal the stored raw file, and
those sources are ``unchanged`` without a job; a URL answering 304 is
``unchanged`` in its worker without parsing.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from policywatch import __version__
from policywatch.errors import PolicywatchError
from policywatch.executors import (
    DEFAULT_CONNECT_TIMEOUT,
    Executor,
    WorkerLost,
    make_executor,
    run_ordered,
)
from policywatch.fetch import Fetcher, FetchSettings, Validators, read_plain_file
from policywatch.model import SCHEMA_VERSION, Policy
from policywatch.parse.plausibility import Verdict, VerdictKind, assess, policy_text
from policywatch.sources import Source, read_sources
from policywatch.store import (
    DEFAULT_LOCK_TIMEOUT,
    ERROR_FILE,
    FAILED_DIR,
    META_FILE,
    POLICY_FILE,
    PolicyFolder,
    Store,
    Transaction,
    blob_id,
    derive_policy_json,
    dump,
    failing_sources,
    meta_document,
    raw_name,
    store_path,
)
from policywatch.store.history import iso
from policywatch.store.records import group_folders, load_json, load_policy

Status = Literal["added", "changed", "unchanged", "failed"]
STATUSES: tuple[Status, ...] = ("added", "changed", "unchanged", "failed")
# Failure stages of documents that parsed but that the plausibility gate held back.
GATE_STAGES: tuple[VerdictKind, ...] = ("suspect", "retired")

MAX_BATCH = 16  # sources with work per batch: bounds what a batch holds in memory
READY_PER_BATCH = 256  # at most this many sources per batch, work or not
AUTO_MIN_SOURCES = 64  # with the default worker count, smaller runs stay in this process


@dataclass(frozen=True)
class Prior:
    """What the store holds for a source, as much as fetch + parse need."""

    raw_blob: str | None = None
    json_blob: str | None = None
    payer: str | None = None
    location: str | None = None
    validators: Validators = field(default_factory=Validators)

    @classmethod
    def of(cls, folder: PolicyFolder | None, source: Source | None = None) -> Prior | None:
        if folder is None or not folder.has_policy:
            return None
        if folder.as_configured and source is not None:  # meta.json says what the config does
            return cls(folder.raw_blob, folder.json_blob, source.payer, source.location)
        meta = folder.meta or {}
        validators = Validators(meta.get("etag"), meta.get("last_modified"))
        location = meta.get("url") or meta.get("path")
        return cls(folder.raw_blob, folder.json_blob, meta.get("payer"), location, validators)


@dataclass(frozen=True)
class Processed:
    """Fetch + parse result for one source (plain data: picklable for a worker pool)."""

    status: Status
    stage: str | None = None  # "fetch" | "parse" | "worker" | "suspect" | "retired" when failed
    error: str | None = None
    data: bytes | None = None  # raw bytes to record (new version, or failed/)
    policy_json: str | None = None
    validators: Validators = field(default_factory=Validators)
    parsed: bool = False  # the parser ran (unchanged bytes and 304s never parse)
    # The gate's verdict on the document alone when it is not "ok" (the writer decides,
    # with --accept and the previous version, whether it is recorded).
    verdict: VerdictKind | None = None
    reason: str | None = None
    final_url: str | None = None  # where the fetch ended up after redirects, if elsewhere


def process_source(source: Source, prior: Prior | None, fetcher: Fetcher) -> Processed:
    """Fetch and parse one source, compared with what the store holds; never raises."""
    same_place = prior is not None and prior.location == source.location
    outcome = fetcher.fetch(source, prior.validators if prior and same_place else None)
    if outcome.status == "failed":
        return Processed("failed", "fetch", outcome.error)
    if outcome.status == "not_modified":
        if prior is not None:
            return Processed("unchanged")
        return Processed("failed", "fetch", "HTTP 304 Not Modified, but no version is stored")
    data = outcome.data or b""
    if prior and prior.raw_blob == blob_id(data) and prior.payer == source.payer:
        return Processed("unchanged")  # same bytes: nothing to parse
    final_url = _final_url(source, outcome)
    try:
        policy_json = derive_policy_json(data, source.payer)
    except PolicywatchError as exc:
        return _parse_failed(str(exc), data, outcome.validators, final_url)
    except Exception as exc:  # a parser bug on one document must not stop the run
        error = f"parser error: {type(exc).__name__}: {exc}"
        return _parse_failed(error, data, outcome.validators, final_url)
    if prior and prior.json_blob == blob_id(policy_json.encode("utf-8")):
        return Processed("unchanged", parsed=True)
    status: Status = "changed" if prior else "added"
    verdict = judge(policy_json)
    return Processed(
        status,
        None,
        None,
        data,
        policy_json,
        outcome.validators,
        parsed=True,
        verdict=None if verdict.ok else verdict.kind,
        reason=verdict.reason or None,
        final_url=final_url,
    )


def _parse_failed(
    error: str, data: bytes, validators: Validators, final_url: str | None
) -> Processed:
    return Processed(
        "failed", "parse", error, data, validators=validators, parsed=True, final_url=final_url
    )


def judge(policy_json: str, previous: Policy | None = None) -> Verdict:
    """The plausibility gate on a parsed document (against ``previous``, the version it
    would replace, when given). A bug in the gate holds the document back rather than
    record it unchecked."""
    try:
        policy = Policy.from_json(policy_json)
        return assess(policy, policy_text(policy), previous)
    except Exception as exc:
        return Verdict("suspect", f"plausibility check error: {type(exc).__name__}: {exc}")


def _final_url(source: Source, outcome: Any) -> str | None:
    """Where a URL fetch ended after redirects, when that is not the configured URL."""
    final = getattr(outcome, "final_url", None)
    if not isinstance(final, str) or not final or final == source.url:
        return None
    return final


def unchanged_local_file(source: Source, prior: Prior | None) -> bool:
    """True when a ``path`` source's bytes hash as the stored raw file: unchanged,
    decided without shipping (or parsing) anything. The bytes are dropped at once;
    a file that did change is read again by its worker."""
    if not _same_file(source, prior):
        return False
    assert source.path is not None and prior is not None
    data = read_plain_file(source.path)
    return data is not None and blob_id(data) == prior.raw_blob


def _same_file(source: Source, prior: Prior | None) -> bool:
    """A ``path`` source recorded from the same place, for the same payer."""
    return (
        source.path is not None
        and prior is not None
        and prior.raw_blob is not None
        and prior.location == source.location
        and prior.payer == source.payer
    )


HASH_CHUNK = 256  # files per hash-only task


def hash_files(paths: list[str]) -> list[str | None]:
    """A worker's hash-only task: the git blob id of each file's bytes (None when it
    cannot be read as a plain file). Reads and hashes; never parses."""
    found: list[str | None] = []
    for path in paths:
        data = read_plain_file(path)
        found.append(None if data is None else blob_id(data))
    return found


class _HashPass:
    """Read + hash of every local file, on the workers, started as soon as the writer
    holds the store lock so it runs while the writer reads the store; then
    :meth:`unchanged` decides sources without shipping them for parsing."""

    def __init__(self, engine: Executor, sources: list[Source]) -> None:
        self.pending: list[tuple[list[str], Any]] = []
        local = [s for s in sources if s.path is not None]
        for i in range(0, len(local), HASH_CHUNK):
            chunk = local[i : i + HASH_CHUNK]
            paths = [str(s.path) for s in chunk]
            self.pending.append(([s.id for s in chunk], engine.submit(hash_files, paths)))
        self.blobs: dict[str, str | None] = {}

    def collect(self) -> None:
        for ids, future in self.pending:
            try:
                results = future.result()
            except Exception:  # these sources are shipped and decided by their jobs
                continue
            self.blobs.update(zip(ids, results, strict=True))
        self.pending = []

    def unchanged(self, source: Source, prior: Prior | None) -> bool:
        blob = self.blobs.get(source.id)
        if blob is None or prior is None or blob != prior.raw_blob:
            return False
        return _same_file(source, prior)


# -- batches: what the writer ships to workers ------------------------------------------------

Job = tuple[Source, Prior | None]


@dataclass
class Batch:
    """Consecutive sources in config order: those already decided (``ready``) and the
    jobs (fetch + parse) to ship. Holds no document bytes."""

    sources: list[Source] = field(default_factory=list)
    ready: list[Processed | None] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)

    def add(self, source: Source, prior: Prior | None, ready: Processed | None) -> None:
        self.sources.append(source)
        self.ready.append(ready)
        if ready is None:
            self.jobs.append((source, prior))

    def merge(self, results: list[Processed | BaseException]) -> Iterator[Processed]:
        """Each source's result, in order: decided here, or its job's result."""
        done = iter(results)
        for ready in self.ready:
            yield ready if ready is not None else _as_processed(next(done))


def _as_processed(result: Processed | BaseException) -> Processed:
    if isinstance(result, Processed):
        return result
    if isinstance(result, WorkerLost):
        return Processed("failed", "worker", str(result))
    return Processed("failed", "worker", f"worker error: {type(result).__name__}: {result}")


UnchangedCheck = Callable[[Source, Prior | None], bool]


def plan_batches(
    sources: Iterable[Source],
    priors: Mapping[str, Prior | None],
    size: int,
    unchanged: UnchangedCheck | None = unchanged_local_file,
) -> Iterator[Batch]:
    """Group sources into batches of at most ``size`` jobs, lazily and in order.

    Sources ``unchanged`` says are unchanged (default: their bytes hash as the
    stored raw file) are decided here and never become jobs. A batch closes at
    ``size`` jobs or ``READY_PER_BATCH`` sources, so a batch never holds more
    than ``size`` documents' worth of work, and no batch holds document bytes.
    """
    batch = Batch()
    for source in sources:
        prior = priors.get(source.id)
        ready = Processed("unchanged") if unchanged and unchanged(source, prior) else None
        batch.add(source, prior, ready)
        if len(batch.jobs) >= size or len(batch.sources) >= READY_PER_BATCH:
            yield batch
            batch = Batch()
    if batch.sources:
        yield batch


def batch_size(sources: int, slots: int) -> int:
    """About four batches per worker slot (load balance), at most ``MAX_BATCH`` jobs."""
    return max(1, min(MAX_BATCH, math.ceil(sources / (4 * max(1, slots)))))


def process_batch(jobs: list[Job], settings: FetchSettings) -> list[Processed]:
    """A worker's task: fetch + parse each job (in a worker process or on a Dask worker)."""
    fetcher = _worker_fetcher(settings)
    return [process_source(source, prior, fetcher) for source, prior in jobs]


def process_jobs(jobs: list[Job], fetcher: Fetcher) -> list[Processed]:
    """The same work in this process, with the run's own HTTP client."""
    return [process_source(source, prior, fetcher) for source, prior in jobs]


def worker_version() -> str:
    """What a Dask worker runs (checked before a run ships work to it)."""
    return __version__


_FETCHERS: dict[FetchSettings, Fetcher] = {}
_FETCHERS_LOCK = threading.Lock()


def _worker_fetcher(settings: FetchSettings) -> Fetcher:
    """One HTTP client per worker process and settings: connections are reused
    across batches (Dask workers may run batches in several threads)."""
    with _FETCHERS_LOCK:
        fetcher = _FETCHERS.get(settings)
        if fetcher is None:
            fetcher = _FETCHERS[settings] = Fetcher(settings)
        return fetcher


@dataclass
class SourceOutcome:
    id: str
    status: Status
    policy: str  # store folder, payer-slug/policy-slug
    location: str
    stage: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "policy": self.policy,
            "location": self.location,
            "stage": self.stage,
            "error": self.error,
            "notes": self.notes,
        }


@dataclass
class SnapshotSummary:
    when: datetime
    store: str
    outcomes: list[SourceOutcome] = field(default_factory=list)
    commit: str | None = None
    parsed: int = 0  # documents the parser ran on (the rest were decided without it)
    executor: str = "inline"  # where fetch + parse ran: inline, local or dask
    slots: int = 1  # how many ran at once
    recovered: list[str] = field(default_factory=list)  # failing before this run, fine now

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def held_back(self, stage: str) -> list[SourceOutcome]:
        """Failures of one gate stage ("suspect" or "retired")."""
        return [o for o in self.failed if o.stage == stage]

    @property
    def exit_code(self) -> int:
        """0 every source fine; 3 the run completed but some sources failed (suspect
        and retired documents included)."""
        return 3 if self.failed else 0

    def line(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES)
        held = [f"{len(self.held_back(s))} {s}" for s in GATE_STAGES if self.held_back(s)]
        if held:
            counts += f" ({', '.join(held)})"
        where = f"commit {self.commit[:12]}" if self.commit else "no commit (nothing changed)"
        stamp = iso(int(self.when.timestamp()))
        return f"snapshot {stamp}: {len(self.outcomes)} sources: {counts}; {where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": iso(int(self.when.timestamp())),
            "store": self.store,
            "commit": self.commit,
            "counts": {s: self.count(s) for s in STATUSES},
            "parsed": self.parsed,
            "exit_code": self.exit_code,
            "sources": [o.to_dict() for o in self.outcomes],
        }


Progress = Callable[[SourceOutcome, int], None]  # (outcome, number of sources)


def run_snapshot(
    config: str | Path,
    store_dir: str | Path,
    as_of: datetime | None = None,
    settings: FetchSettings | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    progress: Progress | None = None,
    workers: int | None = None,
    executor: str | Executor = "local",
    scheduler: str | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    accept: Collection[str] = (),
) -> SnapshotSummary:
    """Snapshot every source into the store (one commit if anything changed or failed).

    ``workers``: local worker processes for fetch + parse (None: the machine's cores,
    but runs under ``AUTO_MIN_SOURCES`` sources stay in this process; 1: this
    process). ``executor="dask"`` sends the batches to the scheduler at ``scheduler``
    instead; an :class:`~policywatch.executors.Executor` instance is used as is.
    ``accept``: source ids whose document is recorded even if the plausibility gate
    calls it suspect or retired.

    The run is dated ``as_of`` (never in the future), else the time the store lock
    was acquired: runs that waited for one another get distinct, ordered times.
    """
    if as_of is not None:
        as_of = _past(as_of)
    state_dir = Path(store_dir) / ".git" / "policywatch"
    cache_dir = state_dir if state_dir.is_dir() else None  # no store is created for a bad config
    loaded = read_sources(config, cache_dir)
    sources = loaded.sources
    _check_accept(accept, sources, config)
    settings = settings or FetchSettings()
    if isinstance(executor, str):
        if executor == "local" and workers is None and len(sources) < AUTO_MIN_SOURCES:
            workers = 1  # not worth starting processes for
        engine = make_executor(executor, workers, scheduler, connect_timeout)
    else:
        engine = executor
    try:
        engine.start()  # before the store lock and fast-import: workers inherit neither
        with Store.open_for_write(store_dir, lock_timeout) as store:
            when = as_of or now()  # taken once the lock is held
            summary = SnapshotSummary(
                when, str(store_dir), executor=engine.name, slots=engine.slots
            )
            if not loaded.from_cache:  # keep the parsed config for the next run
                loaded.remember(store.state_dir)
            if as_of is not None:
                _check_as_of(store, as_of)
            _run(store, sources, loaded.key, engine, settings, summary, progress, set(accept))
    finally:
        if engine is not executor:
            engine.close()
    return summary


def now() -> datetime:
    """The clock runs are dated by (one place, so tests can set it)."""
    return datetime.now(UTC)


def _past(as_of: datetime) -> datetime:
    """``as_of`` as an aware time (naive means UTC), refused when in the future."""
    moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    current = now()
    if moment > current:
        raise PolicywatchError(
            f"--as-of {iso(int(moment.timestamp()))} is in the future (it is now "
            f"{iso(int(current.timestamp()))}): a run cannot be recorded before it happens"
        )
    return moment


def _check_accept(accept: Collection[str], sources: list[Source], config: str | Path) -> None:
    known = {s.id for s in sources}
    unknown = sorted(set(accept) - known)
    if unknown:
        raise PolicywatchError(
            f"--accept {unknown[0]}: no source with that id in {config}"
            + (f" (nor {', '.join(unknown[1:])})" if len(unknown) > 1 else "")
        )


def _run(
    store: Store,
    sources: list[Source],
    config_key: str,
    engine: Executor,
    settings: FetchSettings,
    summary: SnapshotSummary,
    progress: Progress | None,
    accept: set[str],
) -> None:
    hashing = None
    if engine.precheck == "workers" and store.head() is not None:
        hashing = _HashPass(engine, sources)  # runs while we read the store
    failing = failing_sources(store)  # what the last recorded run named failed
    txn = store.transaction()
    folders = group_folders(txn.base)
    memo = _attach_meta(store, sources, folders, config_key)
    priors = {s.id: Prior.of(folders.get(s.store_dir), s) for s in sources}
    unchanged: UnchangedCheck | None = None
    if hashing is not None:
        hashing.collect()
        unchanged = hashing.unchanged
    elif engine.precheck == "writer":
        unchanged = unchanged_local_file
    fetcher = None if engine.remote else Fetcher(settings)
    work: Callable[[list[Job]], list[Processed]] = (
        functools.partial(process_batch, settings=settings)
        if fetcher is None
        else functools.partial(process_jobs, fetcher=fetcher)
    )
    size = batch_size(len(sources), engine.slots)
    batches = plan_batches(sources, priors, size, unchanged)
    try:
        for batch, results in run_ordered(engine, work, ((b, b.jobs) for b in batches)):
            for source, processed in zip(batch.sources, batch.merge(results), strict=True):
                summary.parsed += processed.parsed
                folder = folders.get(source.store_dir)
                processed, note = gate(txn, folder, processed, source.id in accept)
                outcome = record(txn, source, folder, processed, memo)
                if note:
                    outcome.notes.append(note)
                summary.outcomes.append(outcome)
                if progress is not None:
                    progress(outcome, len(sources))
        summary.recovered = [
            o.id for o in summary.outcomes if o.status != "failed" and o.id in failing
        ]
        # Failures alone still make a commit (no file changes): the record of them; so
        # does a source that failed last time and is fine now (a recovery, changed or not).
        message = commit_message(summary)
        on_record = bool(summary.failed or summary.recovered)
        summary.commit = txn.commit(message, summary.when, allow_empty=on_record)
        memo.save()
    finally:
        txn.abort()
        if fetcher is not None:
            fetcher.close()


def _attach_meta(
    store: Store, sources: list[Source], folders: dict[str, PolicyFolder], config_key: str
) -> _MetaMemo:
    """Give each configured folder its meta.json contents. Those identical to what the
    config alone would write (local files, config unchanged) need no git read: their
    blob id is compared with the expected one, remembered between runs of the same
    config (a pure function of the source's config entry and raw file name)."""
    memo = _MetaMemo(store.state_dir, config_key)
    unknown = []
    for source in sources:
        folder = folders.get(source.store_dir)
        if folder is None or folder.meta_blob is None:
            continue
        if memo.expected_blob(source, folder.raw_name or "") == folder.meta_blob:
            folder.as_configured = True  # its contents are known without reading them
        else:
            unknown.append(folder)
    store.load_meta(unknown)
    return memo


class _MetaMemo:
    """source id → raw file name → blob id of the meta.json the config alone gives,
    kept in ``.git/policywatch/meta-memo.json`` for one config file's exact bytes."""

    FILE = "meta-memo.json"

    def __init__(self, state_dir: Path, config_key: str) -> None:
        self.path = state_dir / self.FILE
        self.key = f"{config_key}:{SCHEMA_VERSION}"
        self.blobs: dict[str, dict[str, str]] = {}
        self.dirty = False
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("key") == self.key and isinstance(data.get("blobs"), dict):
                self.blobs = data["blobs"]
        except (OSError, ValueError, AttributeError):
            pass  # no memo yet, or not ours: compute

    def expected_blob(self, source: Source, raw: str) -> str:
        by_raw = self.blobs.setdefault(source.id, {})
        blob = by_raw.get(raw)
        if blob is None:
            blob = by_raw[raw] = blob_id(dump(meta_document(source_info(source), raw, None, None)))
            self.dirty = True
        return blob

    def remember(self, source: Source, raw: str, meta: bytes) -> None:
        """``meta`` is what the config alone gives for ``raw``: keep its blob id."""
        self.blobs.setdefault(source.id, {})[raw] = blob_id(meta)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        tmp = self.path.with_name(f".{self.FILE}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):  # a memo that cannot be written is no error
            tmp.write_text(json.dumps({"key": self.key, "blobs": self.blobs}), encoding="utf-8")
            os.replace(tmp, self.path)


def _check_as_of(store: Store, as_of: datetime) -> None:
    # Back-filled runs must come oldest first so the history stays in date order
    # and "the version current at a date" is unambiguous.
    latest = store.head_time()
    if latest is not None and as_of.timestamp() < latest:
        raise PolicywatchError(
            f"--as-of {iso(int(as_of.timestamp()))} is before the store's latest run "
            f"({iso(latest)}); back-fill the oldest versions first"
        )


def source_info(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "payer": source.payer,
        "url": source.url,
        "path": source.path,
        "title": source.title,
        "plan": source.plan,
        "notes": source.notes,
    }


def gate(
    txn: Transaction, folder: PolicyFolder | None, processed: Processed, accept: bool = False
) -> tuple[Processed, str | None]:
    """The plausibility gate, before anything is recorded: a new document the worker
    found implausible on its own, or (for a changed policy) one that reads as a
    collapse of the stored version, becomes a failure of stage ``suspect`` or
    ``retired`` whose bytes go to ``failed/``. With ``accept`` it is recorded
    anyway; the note (for the run log) says so."""
    if processed.policy_json is None or processed.data is None:
        return processed, None
    verdict: Verdict | None = None
    if processed.verdict is not None:
        verdict = Verdict(processed.verdict, processed.reason or "")
    elif processed.status == "changed":
        verdict = judge(processed.policy_json, _stored_policy(txn, folder))
    if verdict is None or verdict.ok:
        return processed, None
    if accept:
        return processed, f"recorded on purpose (--accept), though {verdict.kind}: {verdict.reason}"
    held = replace(
        processed, status="failed", stage=verdict.kind, error=verdict.reason, policy_json=None
    )
    return held, None


def _stored_policy(txn: Transaction, folder: PolicyFolder | None) -> Policy | None:
    """The current version's policy, read from the store (one blob)."""
    blob = folder.json_blob if folder is not None else None
    return load_policy(txn.store.git.read_blob(blob)) if blob else None


def record(
    txn: Transaction,
    source: Source,
    folder: PolicyFolder | None,
    processed: Processed,
    memo: _MetaMemo | None = None,
) -> SourceOutcome:
    """Stage one source's result in the run's transaction (``memo`` learns the
    meta.json blobs written, so the next run need not recompute them)."""
    outcome = SourceOutcome(
        source.id, processed.status, source.store_dir, source.location, processed.stage
    )
    outcome.error = processed.error
    files = folder.files if folder else {}
    if processed.policy_json is not None and processed.data is not None:
        _record_version(txn, source, files, processed, memo)
    elif processed.status == "failed" and processed.data is not None:  # parse or gate
        _record_failed_bytes(txn, source, files, processed)
    elif processed.status == "unchanged":
        cleared = _failed_stage(txn, files)
        if _clear_failed(txn, source.store_dir, files):
            outcome.notes.append(_CLEARED.get(cleared or "parse", _CLEARED["parse"]))
        if folder is not None and folder.meta and _refresh_meta(txn, source_info(source), folder):
            outcome.notes.append("source info updated")
    return outcome


_CLEARED = {
    "parse": "cleared an earlier parse failure",
    "suspect": "cleared an earlier suspect document (the policy is back, unchanged)",
    "retired": "cleared an earlier retirement notice (the policy is back, unchanged)",
}


def _failed_stage(txn: Transaction, files: dict[str, str]) -> str | None:
    """The stage failed/error.json names (None when there is none, or it names none)."""
    blob = files.get(f"{FAILED_DIR}/{ERROR_FILE}")
    if blob is None:
        return None
    stage = (load_json(txn.store.git.read_blob(blob)) or {}).get("stage")
    return stage if isinstance(stage, str) else None


def _record_version(
    txn: Transaction,
    source: Source,
    files: dict[str, str],
    processed: Processed,
    memo: _MetaMemo | None,
) -> None:
    assert processed.data is not None and processed.policy_json is not None
    policy_dir = source.store_dir
    name = raw_name(processed.data)
    for old in _raw_names(files, ""):
        if old != name:
            txn.delete(store_path(policy_dir, old))
    txn.put(store_path(policy_dir, name), processed.data)
    txn.put(store_path(policy_dir, POLICY_FILE), processed.policy_json.encode("utf-8"))
    v = processed.validators
    document = meta_document(source_info(source), name, v.etag, v.last_modified)
    if processed.final_url is not None:  # redirected: where the bytes really came from
        document["final_url"] = processed.final_url
    meta = dump(document)
    txn.put(store_path(policy_dir, META_FILE), meta)
    if memo is not None and v.etag is None and v.last_modified is None and not processed.final_url:
        memo.remember(source, name, meta)
    _clear_failed(txn, policy_dir, files)


def _record_failed_bytes(
    txn: Transaction, source: Source, files: dict[str, str], processed: Processed
) -> None:
    assert processed.data is not None
    name = f"{FAILED_DIR}/{raw_name(processed.data)}"
    for old in _raw_names(files, FAILED_DIR + "/"):
        if old != name:
            txn.delete(store_path(source.store_dir, old))
    txn.put(store_path(source.store_dir, name), processed.data)
    error = {
        "id": source.id,
        "location": source.location,
        "stage": processed.stage,
        "error": processed.error,
    }
    if processed.final_url is not None:
        error["final_url"] = processed.final_url
    txn.put(store_path(source.store_dir, f"{FAILED_DIR}/{ERROR_FILE}"), dump(error))


def _clear_failed(txn: Transaction, policy_dir: str, files: dict[str, str]) -> bool:
    if len(files) <= 3:  # source, policy.json, meta.json: no failed/ area
        return False
    stale = [name for name in files if name.startswith(FAILED_DIR + "/")]
    for name in stale:
        txn.delete(f"{policy_dir}/{name}")
    return bool(stale)


def _refresh_meta(txn: Transaction, info: dict[str, Any], folder: PolicyFolder) -> bool:
    """Keep meta.json's source info in step with the config; validators stay as they
    were (they belong to the stored bytes, and rotating ETags must not commit)."""
    meta = folder.meta
    if meta is None or all(meta.get(key) == value for key, value in info.items()):
        return False
    return txn.put(store_path(folder.dir, META_FILE), dump({**meta, **info}))


def _raw_names(files: dict[str, str], prefix: str) -> list[str]:
    return [
        name
        for name in files
        if name.startswith(prefix + "source.") and "/" not in name[len(prefix) :]
    ]


def commit_message(summary: SnapshotSummary) -> str:
    """Subject with the counts, a section per outcome, then trailers."""
    stamp = iso(int(summary.when.timestamp()))
    recorded = [o for o in summary.outcomes if o.status in ("added", "changed")]
    counts = ", ".join(
        f"{summary.count(s)} {s}" for s in ("added", "changed", "failed") if summary.count(s)
    )
    if summary.recovered and not counts:
        counts = f"{len(summary.recovered)} recovered"
    lines = [f"Snapshot {stamp}: {counts or 'source info updated'}", ""]
    if summary.failed and not recorded and not any(o.notes for o in summary.outcomes):
        lines += ["No policy changed; this run is recorded for its failures.", ""]
    for status, title in (("added", "Added"), ("changed", "Changed")):
        chosen = [o for o in summary.outcomes if o.status == status]
        if chosen:
            lines += [f"{title}:", *[f"- {o.id} ({o.policy})" for o in chosen], ""]
    if summary.failed:
        lines.append("Failed (last version stays current):")
        lines += [f"- {o.id} ({o.policy}): {o.stage}: {o.error}" for o in summary.failed]
        lines.append("")
    noted = [o for o in summary.outcomes if o.notes]
    if noted:
        lines += ["Other updates:", *[f"- {o.id}: {'; '.join(o.notes)}" for o in noted], ""]
    if summary.recovered:
        lines += ["Recovered (failed in the last recorded run):"]
        lines += [f"- {source_id}" for source_id in summary.recovered] + [""]
    lines += ["Policywatch-Run: snapshot", f"Policywatch-Schema: {SCHEMA_VERSION}"]
    lines += [f"Policywatch-Source: {o.id} {o.location}" for o in recorded]
    lines += [f"Policywatch-Failed: {o.id}" for o in summary.failed]
    lines += [f"Policywatch-Recovered: {source_id}" for source_id in summary.recovered]
    return "\n".join(_one_line(line) for line in lines) + "\n"


def _one_line(text: str) -> str:
    # Error messages and ids end up in the commit message: keep each on one line.
    return " ".join(text.split()) if text else text

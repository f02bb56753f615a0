"""One snapshot run: read the sources, take the store lock, date the run, ship the
work, record every outcome in source order in one transaction, commit its run log.

The run is dated once the store lock is held (:func:`now`, the one clock), or
``as_of`` (never in the future; back-fills come oldest first). Workers start
before the lock is taken, so they inherit neither it nor ``git fast-import``.
This process is the one writer: results are recorded in config order whatever
finished first, so the store is byte-identical whatever the engine.

After the commit, still under the lock, the run updates the fetch ledger
(:class:`.outcomes.FetchLedger`) and calls ``after_commit`` with the open store and
the summary: the hook ``--quiet`` and notifications use to read back what the run
recorded. Nothing it does can undo the recording; an error in it is kept in
:attr:`.outcomes.SnapshotSummary.problems`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from datetime import UTC, datetime
from pathlib import Path

from policywatch.errors import Argument, ArgumentError, PolicywatchError
from policywatch.executors import (
    DEFAULT_CONNECT_TIMEOUT,
    Engine,
    as_engine,
    make_executor,
    run_ordered,
)
from policywatch.fetch import Fetcher, FetchSettings
from policywatch.index import IndexRecord, stored_records, tracked_sources, watch_index
from policywatch.snapshot.batches import (
    HashPass,
    UnchangedCheck,
    batch_size,
    plan_batches,
    precheck,
    unchanged_local_file,
)
from policywatch.snapshot.metacache import MetaCache
from policywatch.snapshot.outcomes import FetchLedger, Progress, SnapshotSummary, SourceOutcome
from policywatch.snapshot.record import gate, record
from policywatch.snapshot.source import Job, Prior, Processed, process_batch, process_jobs
from policywatch.sources import IndexSource, Source, load_indexes, read_sources
from policywatch.store import (
    DEFAULT_LOCK_TIMEOUT,
    PolicyFolder,
    Store,
    Transaction,
    blob_id,
    failing_sources,
    group_folders,
    index_path,
    iso,
)

AUTO_MIN_SOURCES = 64  # with the default worker count, smaller runs stay in this process

AfterCommit = Callable[[Store, SnapshotSummary], None]
"""Called once the run is committed, with the store still open and locked."""


def now() -> datetime:
    """The clock runs are dated by (one place, so tests can set it)."""
    return datetime.now(UTC)


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
    after_commit: AfterCommit | None = None,
) -> SnapshotSummary:
    """Snapshot every source into the store (one commit if anything changed or failed).

    ``workers``: local worker processes for fetch + parse (None: the machine's cores,
    but runs under ``AUTO_MIN_SOURCES`` sources stay in this process; 1: this
    process). ``executor="dask"`` sends the batches to the scheduler at ``scheduler``
    instead; any ``concurrent.futures.Executor`` (say, a Dask client's
    ``get_executor()``) is used as it is, and left running.
    ``accept``: source ids whose document is recorded even if the plausibility gate
    calls it suspect or retired. ``after_commit(store, summary)``: called once the run
    is recorded (committed or not), under the lock; an exception it raises is kept in
    ``summary.problems``, never raised.

    The run is dated ``as_of`` (never in the future), else the time the store lock
    was acquired: runs that waited for one another get distinct, ordered times.
    """
    if as_of is not None:
        as_of = _past(as_of)
    state_dir = Path(store_dir) / ".git" / "policywatch"
    cache_dir = state_dir if state_dir.is_dir() else None  # no store is created for a bad config
    loaded = read_sources(config, cache_dir)
    sources = loaded.sources
    indexes = load_indexes(config)
    _check_accept(accept, [*sources, *(i.as_source() for i in indexes)], config)
    settings = settings or FetchSettings()
    if isinstance(executor, str):
        default = executor == "local" and workers is None
        if default and _expected_sources(store_dir, sources, indexes) < AUTO_MIN_SOURCES:
            workers = 1  # not worth starting processes for
        engine = make_executor(executor, workers, scheduler, connect_timeout)
    else:
        engine = as_engine(executor)
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
            _run(
                store,
                sources,
                loaded.key,
                engine,
                settings,
                summary,
                progress,
                set(accept),
                indexes,
            )
            FetchLedger.read(store.state_dir).after(summary).write(store.state_dir)
            if after_commit is not None:
                _after(after_commit, store, summary)
    finally:
        if engine is not executor:
            engine.shutdown()
    return summary


def _expected_sources(
    store_dir: str | Path, sources: list[Source], indexes: list[IndexSource]
) -> int:
    """How many sources the run will fetch: the configured ones and those the indexes'
    stored listings track (read before the lock, as any reader does; an index listing
    new policies adds a few more)."""
    if not indexes or not (Path(store_dir) / ".git" / "policywatch" / "store").is_file():
        return len(sources)
    try:
        with Store.open(store_dir) as store:
            records = stored_records(store, store.tree()) if store.head() else {}
    except (PolicywatchError, OSError):
        return len(sources)  # the run itself will say what is wrong
    taken = list(sources)
    for index in indexes:
        taken += tracked_sources(index, records.get(index.slug), taken)
    return len(taken)


def _after(hook: AfterCommit, store: Store, summary: SnapshotSummary) -> None:
    """The hook, which must not take the recorded run down with it."""
    try:
        hook(store, summary)
    except Exception as exc:  # the run is committed: a failure here is reported, not raised
        summary.problems.append(f"after the commit: {type(exc).__name__}: {exc}")


def _past(as_of: datetime) -> datetime:
    """``as_of`` as an aware time (naive means UTC), refused when in the future."""
    moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    current = now()
    if moment > current:
        raise ArgumentError(
            Argument("as_of"),
            f" {iso(int(moment.timestamp()))} is in the future (it is now "
            f"{iso(int(current.timestamp()))}): a run cannot be recorded before it happens",
        )
    return moment


def _check_accept(accept: Collection[str], sources: list[Source], config: str | Path) -> None:
    known = {s.id for s in sources}
    unknown = sorted(set(accept) - known)
    if unknown:
        raise ArgumentError(
            Argument("accept"),
            f" {unknown[0]}: no source with that id in {config}"
            + (f" (nor {', '.join(unknown[1:])})" if len(unknown) > 1 else ""),
        )


def _check_as_of(store: Store, as_of: datetime) -> None:
    # Back-filled runs must come oldest first so the history stays in date order
    # and "the version current at a date" is unambiguous.
    latest = store.head_time()
    if latest is not None and as_of.timestamp() < latest:
        raise ArgumentError(
            Argument("as_of"),
            f" {iso(int(as_of.timestamp()))} is before the store's latest run "
            f"({iso(latest)}); back-fill the oldest versions first",
        )


def _run(
    store: Store,
    sources: list[Source],
    config_key: str,
    engine: Engine,
    settings: FetchSettings,
    summary: SnapshotSummary,
    progress: Progress | None,
    accept: set[str],
    indexes: list[IndexSource] | None = None,
) -> None:
    checker = precheck(engine)
    hashing = None
    if checker == "workers" and store.head() is not None:
        hashing = HashPass(engine, sources)  # runs while we read the store
    failing = failing_sources(store)  # what the last recorded run named failed
    txn = store.transaction()
    fetcher = None if engine.remote else Fetcher(settings)
    if indexes:
        found = _watch_indexes(txn, indexes, sources, fetcher, settings, summary, accept)
        sources = sources + found
    folders = group_folders(txn.base)
    cache = MetaCache(store.state_dir, config_key)
    metas = cache.stored_meta(store, sources, folders)
    priors = {s.id: Prior.of(folders.get(s.store_dir), metas.get(s.store_dir)) for s in sources}
    unchanged: UnchangedCheck | None = None
    if hashing is not None:
        hashing.collect()
        unchanged = hashing.unchanged
    elif checker == "writer":
        unchanged = unchanged_local_file
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
                meta = metas.get(source.store_dir)
                outcome = record(txn, source, folder, meta, processed, cache)
                _describe(outcome, source, folder, processed)
                if note:
                    outcome.notes.append(note)
                summary.outcomes.append(outcome)
                if progress is not None:
                    progress(outcome, len(sources))
        fine = [(o.id, o.status) for o in summary.indexes] + [
            (o.id, o.status) for o in summary.outcomes
        ]
        summary.recovered = [i for i, status in fine if status != "failed" and i in failing]
        summary.commit = txn.commit(summary.run_log(), summary.when, summary.on_record)
        cache.save()
    finally:
        txn.abort()
        if fetcher is not None:
            fetcher.close()


def _watch_indexes(
    txn: Transaction,
    indexes: list[IndexSource],
    configured: list[Source],
    fetcher: Fetcher | None,
    settings: FetchSettings,
    summary: SnapshotSummary,
    accept: set[str],
) -> list[Source]:
    """Fetch every index in this process, stage the records that changed, and return
    the policies they make tracked sources (snapshotted in this run). A failed or
    suspect index keeps its stored record, and its tracked policies stay tracked."""
    records = stored_records(txn.store, txn.base)
    today = summary.when.date().isoformat()
    own = fetcher or Fetcher(settings)
    derived: list[Source] = []
    try:
        for index in indexes:
            prior = records.get(index.slug)
            outcome = watch_index(index, prior, own, today, index.id in accept)
            if outcome.record is not None:
                txn.put(index_path(index.slug), outcome.record.to_bytes())
            summary.indexes.append(outcome)
            record: IndexRecord | None = outcome.record or prior
            derived += tracked_sources(index, record, [*configured, *derived])
    finally:
        if own is not fetcher:
            own.close()
    return derived


def _describe(
    outcome: SourceOutcome, source: Source, folder: PolicyFolder | None, processed: Processed
) -> None:
    """What a reader of the run needs beyond the outcome: the source as configured and,
    for a recorded version, the policy.json blobs before and after (read back later to
    say what changed)."""
    outcome.payer, outcome.title, outcome.plan = source.payer, source.title, source.plan
    if outcome.status in ("added", "changed") and processed.policy_json is not None:
        outcome.before = folder.json_blob if folder is not None else None
        outcome.after = blob_id(processed.policy_json.encode("utf-8"))

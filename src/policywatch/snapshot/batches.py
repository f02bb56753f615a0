"""What the writer ships to workers: sources in config order, grouped into bounded
batches, with the unchanged local files decided first by a hash-only pre-check.

A ``path`` source whose bytes hash as the stored raw file is ``unchanged``
without a job (nothing is shipped or parsed). Who hashes is the run's choice,
from what the engine says of itself (:func:`precheck`): nobody ahead of time when
everything runs in this process (each job reads and hashes its file once anyway);
the workers, in parallel and while the writer reads the store, when they run on
this machine; the writer itself, with no round trip, when they run elsewhere
(files it cannot read are shipped and decided by a worker).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal

from policywatch.executors import Engine, WorkerLost
from policywatch.fetch import read_plain_file
from policywatch.snapshot.source import Job, Prior, Processed
from policywatch.sources import Source
from policywatch.store import blob_id

MAX_BATCH = 16  # sources with work per batch: bounds what a batch holds in memory
READY_PER_BATCH = 256  # at most this many sources per batch, work or not
HASH_CHUNK = 256  # files per hash-only task

Precheck = Literal["none", "writer", "workers"]
UnchangedCheck = Callable[[Source, Prior | None], bool]


def precheck(engine: Engine) -> Precheck:
    """Who tells unchanged local files before parse work is shipped (see the module)."""
    if not engine.remote:
        return "none"
    return "workers" if engine.on_this_machine else "writer"


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


def hash_files(paths: list[str]) -> list[str | None]:
    """A worker's hash-only task: the git blob id of each file's bytes (None when it
    cannot be read as a plain file). Reads and hashes; never parses."""
    found: list[str | None] = []
    for path in paths:
        data = read_plain_file(path)
        found.append(None if data is None else blob_id(data))
    return found


class HashPass:
    """Read + hash of every local file on the workers, started as soon as the writer
    holds the store lock so it runs while the writer reads the store; then
    :meth:`unchanged` decides sources without shipping them for parsing."""

    def __init__(self, engine: Engine, sources: list[Source]) -> None:
        self.pending: list[tuple[list[str], Future[list[str | None]]]] = []
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

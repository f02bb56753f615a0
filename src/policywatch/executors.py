"""Where a snapshot's heavy stage (fetch + extract + parse) runs: in this process, in a
local pool of worker processes, or on a dask.distributed cluster.

The snapshot writer hands over *batches* of jobs and reads the results back in
the order it handed them over (:func:`run_ordered`), with at most
``executor.window`` batches in flight: memory is bounded by the window, never
by the number of sources, and the store it writes does not depend on which
worker finished first.

A worker that dies (a crashing native library, the OOM killer) costs only the
jobs it was running: the batch is re-run one job at a time and only the job
that kills a worker again fails. Dask is imported only when asked for.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, Protocol, TypeVar

from policywatch.errors import PolicywatchError

J = TypeVar("J")  # one job
R = TypeVar("R")  # its result
M = TypeVar("M")  # what the caller carries along with a batch
R_co = TypeVar("R_co", covariant=True)

Work = Callable[[list[J]], list[R]]
Precheck = Literal["none", "writer", "workers"]
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to reach a Dask scheduler


class ExecutorError(PolicywatchError):
    """The executor cannot be used (dask missing, scheduler unreachable)."""


def available_cores() -> int:
    """CPU cores this process may run on (the affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class Pending(Protocol[R_co]):
    """A submitted batch: a concurrent.futures or a distributed future."""

    def result(self) -> R_co: ...


class Executor(Protocol):
    name: str
    slots: int  # jobs that run at once
    window: int  # batches in flight
    remote: bool  # work leaves this process (batches are pickled)
    # Who tells an unchanged local file (same bytes as stored) before parse work is
    # shipped: "none" (the job itself, in process), "writer" or "workers" (a hash-only
    # pass on the workers, started before the writer's own preparation).
    precheck: Precheck

    def start(self) -> None: ...

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Pending[Any]: ...

    def worker_lost(self, exc: BaseException) -> bool: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs each batch in this process when it is submitted (``--workers 1``)."""

    name = "inline"
    slots = 1
    window = 1
    remote = False
    precheck: Precheck = "none"  # process_source reads and hashes each file once anyway

    def start(self) -> None:
        pass

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Pending[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(arg))
        except Exception as exc:  # reported per job by run_ordered, like a worker's error
            future.set_exception(exc)
        return future

    def worker_lost(self, exc: BaseException) -> bool:
        return False

    def close(self) -> None:
        pass


class ProcessExecutor:
    """A pool of worker processes on this machine.

    Where the OS can fork, workers are forked when the run starts — before it
    takes the store lock or starts ``git fast-import``, from a writer running no
    other thread (the CLI's progress bar refreshes without one) — so they hold
    neither, start in milliseconds and need no ``if __name__ == "__main__"``
    guard in the calling script. Elsewhere they are spawned. Workers end with
    the writer, even when it is SIGKILLed (a pool replaced after a worker died
    is forked later, so this matters).
    """

    name = "local"
    remote = True
    # On a rerun read + hash is most of the work: the workers do it in parallel
    # (and without parsing) while the writer reads the store.
    precheck: Precheck = "workers"

    def __init__(self, workers: int) -> None:
        self.slots = max(1, workers)
        self.window = 2 * self.slots
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.slots,
                mp_context=_context(),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
            self._pool.submit(int).result()  # a fork pool starts every worker on its first task

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Pending[Any]:
        self.start()
        assert self._pool is not None
        try:
            return self._pool.submit(fn, arg)
        except BrokenProcessPool:  # a worker died running an earlier batch: start afresh
            self.close()
            self.start()
            return self._pool.submit(fn, arg)

    def worker_lost(self, exc: BaseException) -> bool:
        return isinstance(exc, BrokenProcessPool)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end when the writer dies (even by SIGKILL), rather than wait
    forever for work as an orphan."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the writer died before the line above took effect
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _context() -> Any:
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class DaskExecutor:
    """Batches as tasks on a dask.distributed cluster (``--executor dask``).

    Every worker must have the same policywatch installed, and read the
    ``path`` sources at the same paths; results (raw bytes and policy JSON) come
    back to the one writer. Futures are released as their results are read.
    """

    name = "dask"
    remote = True
    # Unchanged files the writer can read are decided here: no round trip to the
    # cluster for them. Files it cannot read are shipped and decided by a worker.
    precheck: Precheck = "writer"

    def __init__(self, address: str, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
        try:
            import distributed
        except ImportError:
            raise ExecutorError(
                "--executor dask needs dask.distributed, which is not installed: "
                "pip install 'policywatch[dask]'"
            ) from None
        self.address = address
        client_class: Any = distributed.Client
        try:
            self.client: Any = client_class(
                address, timeout=connect_timeout, set_as_default=False, name="policywatch"
            )
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {address} "
                f"(waited {connect_timeout:g} s): {_first_line(exc)}"
            ) from None
        try:
            self.slots = self._check_workers(connect_timeout)
        except BaseException:
            self.client.close()
            raise
        self.window = 2 * self.slots

    def start(self) -> None:
        pass  # connected and checked already

    def _check_workers(self, timeout: float) -> int:
        from policywatch import __version__
        from policywatch.snapshot import worker_version

        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"the Dask cluster at {self.address} has no workers "
                f"(waited {timeout:g} s): {_first_line(exc)}"
            ) from None
        try:
            theirs = self.client.submit(worker_version, pure=False).result(timeout=timeout)
        except Exception as exc:
            raise ExecutorError(
                f"Dask workers at {self.address} cannot run policywatch "
                f"(install the same version on every worker): {_first_line(exc)}"
            ) from None
        if theirs != __version__:
            raise ExecutorError(
                f"Dask workers at {self.address} run policywatch {theirs}, this machine "
                f"{__version__}: install the same version on every worker"
            )
        threads: dict[str, int] = self.client.nthreads()
        return max(1, sum(threads.values()))

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Pending[Any]:
        return self.client.submit(fn, arg, pure=False)  # type: ignore[no-any-return]

    def worker_lost(self, exc: BaseException) -> bool:
        from distributed import KilledWorker

        return isinstance(exc, KilledWorker)

    def close(self) -> None:
        self.client.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def make_executor(
    kind: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> Executor:
    """``local`` with ``workers`` processes (1: this process), or ``dask`` at ``scheduler``."""
    if kind == "dask":
        if not scheduler:
            raise ExecutorError("--executor dask needs --scheduler tcp://HOST:PORT")
        return DaskExecutor(scheduler, connect_timeout)
    if kind != "local":
        raise ExecutorError(f"unknown executor {kind!r} (local or dask)")
    if scheduler:
        raise ExecutorError("--scheduler is for --executor dask")
    count = available_cores() if workers is None else workers
    return InlineExecutor() if count <= 1 else ProcessExecutor(count)


def run_ordered(
    executor: Executor, work: Work[J, R], batches: Iterable[tuple[M, Sequence[J]]]
) -> Iterator[tuple[M, list[R | BaseException]]]:
    """Run ``work`` over each batch's jobs on ``executor``; yield (carried, results) in the
    order the batches came, one result per job (an exception where a job could not
    be run). Batches without jobs pass straight through, in order."""
    pending: collections.deque[tuple[M, list[J], Pending[list[R]] | None]] = collections.deque()
    source = iter(batches)
    exhausted = False
    while True:
        while not exhausted and len(pending) < executor.window:
            item = next(source, None)
            if item is None:
                exhausted = True
                break
            carried, jobs = item[0], list(item[1])
            pending.append((carried, jobs, executor.submit(work, jobs) if jobs else None))
        if not pending:
            return
        carried, jobs, future = pending.popleft()
        results = _results(executor, work, jobs, future)
        del future  # released before the writer records: a Dask future frees its result
        yield carried, results


def _results(
    executor: Executor, work: Work[J, R], jobs: list[J], future: Pending[list[R]] | None
) -> list[R | BaseException]:
    if future is None:
        return []
    try:
        results: list[R | BaseException] = list(future.result())
    except Exception as exc:
        if executor.worker_lost(exc):
            return _isolate(executor, work, jobs)
        return [exc] * len(jobs)
    if len(results) != len(jobs):
        error = RuntimeError(f"a worker returned {len(results)} results for {len(jobs)} jobs")
        return [error] * len(jobs)
    return results


MAX_LOST_IN_A_ROW = 3  # workers dying on this many jobs in a row: the pool itself is broken


def _isolate(executor: Executor, work: Work[J, R], jobs: list[J]) -> list[R | BaseException]:
    """A worker died running these jobs: run each alone, so only a job that kills its
    worker again fails (with that as its error). Workers that die on every job mean
    no worker can run at all: that stops the run (:class:`ExecutorError`). A broken
    local pool is replaced by the next submit; Dask replaces lost workers itself."""
    results: list[R | BaseException] = []
    lost_in_a_row = 0
    for job in jobs:
        try:
            [result] = executor.submit(work, [job]).result()
            results.append(result)
            lost_in_a_row = 0
        except Exception as exc:
            if not executor.worker_lost(exc):
                results.append(exc)
                continue
            lost_in_a_row += 1
            if lost_in_a_row >= MAX_LOST_IN_A_ROW:
                raise ExecutorError(
                    f"{executor.name} worker processes keep dying ({_first_line(exc)}); "
                    "nothing was recorded"
                ) from None
            results.append(
                WorkerLost(f"a worker process died while processing it ({_first_line(exc)})")
            )
    return results


class WorkerLost(RuntimeError):
    """The job killed the worker that ran it (twice)."""

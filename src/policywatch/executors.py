"""Where a run's heavy stage executes: in this process, in a pool of local worker
processes, or on a dask.distributed cluster — over the standard
:class:`concurrent.futures.Executor` interface.

An :class:`Engine` *is* a ``concurrent.futures.Executor`` (``submit`` gives a
``concurrent.futures.Future``) that also says what a caller needs to know to use
it well, and nothing about what the caller does: how many tasks run at once
(``slots``), whether tasks leave this process (``remote``: functions, arguments
and results are pickled), whether they run on this machine (``on_this_machine``:
they see its files), and which errors mean a worker died. Built in:
:class:`InlineExecutor` (this process), :class:`ProcessExecutor` (worker processes
that end with this one) and :class:`DaskExecutor` (``Client.get_executor()`` on a
cluster); any other ``concurrent.futures.Executor`` is taken as it is by
:func:`as_engine`.

:func:`run_ordered` runs batches of jobs on an engine and hands the results back
in the order the batches came, with at most ``engine.window`` batches in flight:
memory is bounded by the window, never by the number of jobs, and the caller's
output does not depend on which worker finished first. A worker that dies (a
crashing native library, the OOM killer) costs only the jobs it was running: the
batch is re-run one job at a time and only a job that kills a worker again fails.
Dask is imported only when asked for.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

from policywatch.errors import PolicywatchError

J = TypeVar("J")  # one job
R = TypeVar("R")  # its result
M = TypeVar("M")  # what the caller carries along with a batch
T = TypeVar("T")
P = ParamSpec("P")

Work = Callable[[list[J]], list[R]]
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to reach a Dask scheduler


class ExecutorError(PolicywatchError):
    """The executor cannot be used (dask missing, scheduler unreachable)."""


def available_cores() -> int:
    """CPU cores this process may run on (the affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class Engine(Executor):
    """A ``concurrent.futures.Executor`` and the facts a batch runner needs about it."""

    name = "executor"
    slots = 1  # tasks that run at once
    remote = True  # tasks leave this process (functions, arguments, results are pickled)
    on_this_machine = True  # tasks see this machine's files

    @property
    def window(self) -> int:
        """Batches to keep in flight: enough that no slot waits for the caller."""
        return 2 * self.slots

    def start(self) -> None:
        """Start the workers now (say, before the caller takes a lock they must not
        inherit); otherwise they start with the first task."""

    def worker_lost(self, exc: BaseException) -> bool:
        """Whether a task's error means the worker running it died."""
        return False


class InlineExecutor(Engine):
    """Runs each task in this process when it is submitted (``--workers 1``)."""

    name = "inline"
    remote = False

    @property
    def window(self) -> int:
        return 1

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # reported per job by run_ordered, like a worker's error
            future.set_exception(exc)
        return future


class ProcessExecutor(Engine):
    """A pool of worker processes on this machine.

    Where the OS can fork, workers are forked when :meth:`start` is called — a
    caller starts them before it takes locks or starts other processes, from a
    process running no other thread — so they hold neither, start in
    milliseconds and need no ``if __name__ == "__main__"`` guard in the calling
    script. Elsewhere they are spawned. Workers end with this process, even when
    it is SIGKILLed (a pool replaced after a worker died is forked later, so this
    matters). A pool broken by a dying worker is replaced on the next submit.
    """

    name = "local"

    def __init__(self, workers: int) -> None:
        self.slots = max(1, workers)
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

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        self.start()
        assert self._pool is not None
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:  # a worker died running an earlier task: start afresh
            self.shutdown()
            self.start()
            return self._pool.submit(fn, *args, **kwargs)

    def worker_lost(self, exc: BaseException) -> bool:
        return isinstance(exc, BrokenProcessPool)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = True) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
            self._pool = None


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end when the parent dies (even by SIGKILL), rather than wait
    forever for work as an orphan."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _context() -> Any:
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def installed_version() -> str:
    """The policywatch version where this runs (asked of Dask workers before use)."""
    from policywatch import __version__

    return __version__


class DaskExecutor(Engine):
    """Tasks on a dask.distributed cluster, through the client's own
    ``concurrent.futures`` executor (``Client.get_executor``).

    Every worker must have the same policywatch installed (checked on connecting),
    and see the same files where tasks read any. A result is released on the
    cluster as soon as its future is done and dropped here.
    """

    name = "dask"
    on_this_machine = False

    def __init__(self, address: str, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
        try:
            import distributed
        except ImportError:
            raise ExecutorError(
                "the Dask executor needs dask.distributed, which is not installed: "
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
        self._executor: Executor = self.client.get_executor(pure=False)

    def _check_workers(self, timeout: float) -> int:
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"the Dask cluster at {self.address} has no workers "
                f"(waited {timeout:g} s): {_first_line(exc)}"
            ) from None
        try:
            theirs = self.client.submit(installed_version, pure=False).result(timeout=timeout)
        except Exception as exc:
            raise ExecutorError(
                f"Dask workers at {self.address} cannot run policywatch "
                f"(install the same version on every worker): {_first_line(exc)}"
            ) from None
        ours = installed_version()
        if theirs != ours:
            raise ExecutorError(
                f"Dask workers at {self.address} run policywatch {theirs}, this machine "
                f"{ours}: install the same version on every worker"
            )
        return _dask_threads(self.client)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._executor.submit(fn, *args, **kwargs)

    def worker_lost(self, exc: BaseException) -> bool:
        return _killed_worker(exc)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=False)  # what is still running is of no use now
        self.client.close()


def _dask_threads(client: Any) -> int:
    threads: dict[str, int] = client.nthreads()
    return max(1, sum(threads.values()))


def _killed_worker(exc: BaseException) -> bool:
    from distributed import KilledWorker

    return isinstance(exc, KilledWorker)


class StandardEngine(Engine):
    """Any other ``concurrent.futures.Executor``, used as it is; its owner shuts it down.

    Thread pools run in this process; process pools on this machine; a Dask
    ``ClientExecutor`` on its cluster. Anything else is taken to run elsewhere (its
    tasks are pickled and see none of this machine's files) on as many slots as this
    machine has cores.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self.name = type(executor).__name__
        self._lost: tuple[type[BaseException], ...] = ()
        workers = getattr(executor, "_max_workers", None)
        if isinstance(executor, ThreadPoolExecutor):
            self.remote = False
        elif isinstance(executor, ProcessPoolExecutor):
            self._lost = (BrokenProcessPool,)
        else:
            self.on_this_machine = False
            client = getattr(executor, "_client", None)
            if type(executor).__module__.startswith("distributed") and client is not None:
                workers = _dask_threads(client)
                self._lost = (_killed_type(),)
        self.slots = workers if isinstance(workers, int) and workers > 0 else available_cores()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self.executor.submit(fn, *args, **kwargs)

    def worker_lost(self, exc: BaseException) -> bool:
        return isinstance(exc, self._lost)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass  # not ours to shut down


def _killed_type() -> type[BaseException]:
    from distributed import KilledWorker

    killed: type[BaseException] = KilledWorker
    return killed


def as_engine(executor: Executor) -> Engine:
    """``executor`` as an :class:`Engine`: itself if it is one."""
    return executor if isinstance(executor, Engine) else StandardEngine(executor)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def make_executor(
    kind: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> Engine:
    """``local`` with ``workers`` processes (1: this process), or ``dask`` at ``scheduler``."""
    if kind == "dask":
        if not scheduler:
            raise ExecutorError("the Dask executor needs a scheduler address (tcp://HOST:PORT)")
        return DaskExecutor(scheduler, connect_timeout)
    if kind != "local":
        raise ExecutorError(f"unknown executor {kind!r} (local or dask)")
    if scheduler:
        raise ExecutorError("a scheduler address is for the Dask executor only")
    count = available_cores() if workers is None else workers
    return InlineExecutor() if count <= 1 else ProcessExecutor(count)


def run_ordered(
    engine: Engine, work: Work[J, R], batches: Iterable[tuple[M, Sequence[J]]]
) -> Iterator[tuple[M, list[R | BaseException]]]:
    """Run ``work`` over each batch's jobs on ``engine``; yield (carried, results) in the
    order the batches came, one result per job (an exception where a job could not
    be run). Batches without jobs pass straight through, in order."""
    pending: collections.deque[tuple[M, list[J], Future[list[R]] | None]] = collections.deque()
    source = iter(batches)
    exhausted = False
    while True:
        while not exhausted and len(pending) < engine.window:
            item = next(source, None)
            if item is None:
                exhausted = True
                break
            carried, jobs = item[0], list(item[1])
            pending.append((carried, jobs, engine.submit(work, jobs) if jobs else None))
        if not pending:
            return
        carried, jobs, future = pending.popleft()
        results = _results(engine, work, jobs, future)
        del future  # released before the caller uses the results: Dask frees its copy
        yield carried, results


def _results(
    engine: Engine, work: Work[J, R], jobs: list[J], future: Future[list[R]] | None
) -> list[R | BaseException]:
    if future is None:
        return []
    try:
        results: list[R | BaseException] = list(future.result())
    except Exception as exc:
        if engine.worker_lost(exc):
            return _isolate(engine, work, jobs)
        return [exc] * len(jobs)
    if len(results) != len(jobs):
        error = RuntimeError(f"a worker returned {len(results)} results for {len(jobs)} jobs")
        return [error] * len(jobs)
    return results


MAX_LOST_IN_A_ROW = 3  # workers dying on this many jobs in a row: the pool itself is broken


def _isolate(engine: Engine, work: Work[J, R], jobs: list[J]) -> list[R | BaseException]:
    """A worker died running these jobs: run each alone, so only a job that kills its
    worker again fails (with that as its error). Workers that die on every job mean
    no worker can run at all: that stops the run (:class:`ExecutorError`). A broken
    local pool is replaced by the next submit; Dask replaces lost workers itself."""
    results: list[R | BaseException] = []
    lost_in_a_row = 0
    for job in jobs:
        try:
            [result] = engine.submit(work, [job]).result()
            results.append(result)
            lost_in_a_row = 0
        except Exception as exc:
            if not engine.worker_lost(exc):
                results.append(exc)
                continue
            lost_in_a_row += 1
            if lost_in_a_row >= MAX_LOST_IN_A_ROW:
                raise ExecutorError(
                    f"{engine.name} worker processes keep dying ({_first_line(exc)}); "
                    "nothing was recorded"
                ) from None
            results.append(
                WorkerLost(f"a worker process died while processing it ({_first_line(exc)})")
            )
    return results


class WorkerLost(RuntimeError):
    """The job killed the worker that ran it (twice)."""

"""Parallel snapshots: the store is byte-identical whatever the worker count, unchanged
sources are decided by the writer (never shipped, never parsed), batches stay bounded,
results come back in order, and a dying worker costs only its own source."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.executors import (
    ExecutorError,
    InlineExecutor,
    ProcessExecutor,
    WorkerLost,
    run_ordered,
)
from policywatch.model import Policy
from policywatch.snapshot import Prior, Processed, plan_batches, run_snapshot
from policywatch.sources import Source
from policywatch.store import blob_id
from tests.store_support import _MAIN, PYTHON, assert_sound, git, path_sources, variant_docs

BINARY = b"\x00\x01\x02binary junk\xff\xfe" * 50


def snapshot(config: Path, store: Path, as_of: str, *extra: str) -> str:
    args = ["snapshot", "--config", str(config), "--store", str(store), "--as-of", as_of]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code in (0, 3), result.output
    return result.output


def history(store: Path) -> list[str]:
    """Every commit with its tree and full message, oldest first."""
    out = git(store, "log", "--reverse", "--format=%H %T%n%B%x00")
    return [record.strip() for record in out.split("\x00") if record.strip()]


@pytest.fixture()
def sources(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    docs = variant_docs(tmp_path / "docs", 12)
    docs["pol-binary"] = tmp_path / "docs" / "binary.pdf"
    docs["pol-binary"].write_bytes(BINARY)  # fetched, does not parse
    docs["pol-missing"] = tmp_path / "docs" / "missing.txt"  # does not fetch
    return path_sources(tmp_path / "sources.toml", docs), docs


def test_one_and_two_workers_make_byte_identical_stores(
    tmp_path: Path, sources: tuple[Path, dict[str, Path]]
) -> None:
    config, docs = sources
    one, two = tmp_path / "one", tmp_path / "two"
    for store, workers in ((one, "1"), (two, "2")):
        out = snapshot(config, store, "2026-10-01T06:00:00Z", "--workers", workers)
        assert "12 added, 0 changed, 0 unchanged, 2 failed" in out
    for name in ("pol-03", "pol-07", "pol-11"):
        docs[name].write_bytes(docs[name].read_bytes() + b"\nRevised: criteria reworded.\n")
    for store, workers in ((one, "1"), (two, "2")):
        out = snapshot(config, store, "2026-11-02T06:00:00Z", "--workers", workers)
        assert "0 added, 3 changed, 9 unchanged, 2 failed" in out
    assert git(one, "rev-parse", "HEAD^{tree}") == git(two, "rev-parse", "HEAD^{tree}")
    assert history(one) == history(two) and len(history(one)) == 2
    assert git(one, "rev-parse", "HEAD") == git(two, "rev-parse", "HEAD")
    assert_sound(two)


def test_unchanged_sources_are_not_shipped_and_not_parsed(
    tmp_path: Path, sources: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, docs = sources
    store = tmp_path / "store"
    # Each parse in a worker appends a line to a marker file (workers are forked
    # after this patch, so they inherit it).
    marker = tmp_path / "parsed.log"
    import policywatch.parse as parse

    real = parse.parse_bytes

    def counting(data: bytes) -> Policy:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        return real(data)

    monkeypatch.setattr(parse, "parse_bytes", counting)
    shipped: list[int] = []  # parse jobs (fetch + parse) per batch
    hashed: list[int] = []  # files per hash-only task

    class Recording(ProcessExecutor):
        def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
            (shipped if isinstance(arg[0][0], Source) else hashed).append(len(arg))
            return super().submit(fn, arg)

    def run(as_of: str) -> tuple[int, int, int, int, set[str]]:
        shipped.clear()
        hashed.clear()
        marker.unlink(missing_ok=True)
        engine = Recording(2)
        try:
            summary = run_snapshot(config, store, as_of=_when(as_of), executor=engine)
        finally:
            engine.shutdown()
        lines = marker.read_text().split() if marker.exists() else []
        return sum(hashed), sum(shipped), summary.parsed, len(lines), set(lines)

    checked, jobs, parsed, parse_calls, pids = run("2026-10-01")
    assert (checked, jobs, parsed, parse_calls) == (0, 14, 13, 13)  # missing: never parsed
    assert str(os.getpid()) not in pids  # parsed in the workers, not the writer

    docs["pol-05"].write_bytes(docs["pol-05"].read_bytes() + b"\nRevised.\n")
    # Every local file is hashed first (on the workers, no parsing; not on the first
    # run, when nothing is stored); only the edited one and the two failures (retried
    # each run) are shipped as parse jobs, and only the edited one and the binary one
    # reach the parser.
    checked, jobs, parsed, parse_calls, pids = run("2026-10-02")
    assert (checked, jobs, parsed, parse_calls) == (14, 3, 2, 2)
    assert str(os.getpid()) not in pids


def test_any_standard_executor_makes_the_same_store(
    tmp_path: Path, sources: tuple[Path, dict[str, Path]]
) -> None:
    """The run takes any concurrent.futures.Executor as it is (and leaves it running):
    threads in this process, a process pool on this machine."""
    config, docs = sources
    stores = {name: tmp_path / name for name in ("inline", "threads", "processes")}
    for as_of in ("2026-10-01T06:00:00Z", "2026-11-02T06:00:00Z"):
        run_snapshot(config, stores["inline"], as_of=_when(as_of), workers=1)
        with ThreadPoolExecutor(2) as threads, ProcessPoolExecutor(2) as processes:
            for name, pool in (("threads", threads), ("processes", processes)):
                summary = run_snapshot(config, stores[name], as_of=_when(as_of), executor=pool)
                assert (summary.executor, summary.slots) == (type(pool).__name__, 2)
                assert pool.submit(int, "7").result() == 7  # still the caller's to shut down
        docs["pol-04"].write_bytes(docs["pol-04"].read_bytes() + b"\nRevised.\n")
    for name in ("threads", "processes"):
        assert history(stores[name]) == history(stores["inline"])
        assert git(stores[name], "rev-parse", "HEAD") == git(stores["inline"], "rev-parse", "HEAD")
    assert_sound(stores["processes"])


def _when(text: str) -> Any:
    from policywatch.store import parse_instant

    return parse_instant(text)


# -- the batching generator ---------------------------------------------------------------


def test_batches_are_lazy_bounded_and_hold_no_documents(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    priors: dict[str, Prior | None] = {}
    sources = []
    for i in range(40):
        path = folder / f"f{i}.txt"
        path.write_bytes(f"document {i}\n".encode() * 50)
        source = Source(id=f"s{i}", payer="P", path=str(path))
        sources.append(source)
        # every third file is unchanged since the last run; the others changed or are new
        raw = blob_id(path.read_bytes()) if i % 3 == 0 else ("0" * 40 if i % 3 == 1 else None)
        priors[source.id] = Prior(raw, "1" * 40, "P", str(path)) if raw else None

    consumed = 0

    def stream() -> Iterator[Source]:
        nonlocal consumed
        for source in sources:
            consumed += 1
            yield source

    batches = plan_batches(stream(), priors, size=4)
    first = next(batches)
    assert len(first.jobs) == 4 and consumed == len(first.sources) <= 6  # lazy
    rest = list(batches)
    everything = [first, *rest]
    assert all(len(b.jobs) <= 4 for b in everything)
    assert [s.id for b in everything for s in b.sources] == [s.id for s in sources]  # in order
    ready = [r for b in everything for r in b.ready if r is not None]
    assert len(ready) == 14 and all(r == Processed("unchanged") for r in ready)
    assert all(r.data is None for r in ready)  # no bytes kept for decided sources
    shipped = [job[0].id for b in everything for job in b.jobs]
    assert shipped == [s.id for i, s in enumerate(sources) if i % 3]
    # In process (no precheck) every source is a job: process_source hashes it itself.
    assert sum(len(b.jobs) for b in plan_batches(sources, priors, 4, None)) == 40


def test_a_batch_of_decided_sources_closes_at_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import policywatch.snapshot.batches as batches_module

    monkeypatch.setattr(batches_module, "READY_PER_BATCH", 5)
    path = tmp_path / "same.txt"
    path.write_bytes(b"same bytes\n")
    sources = [Source(id=f"s{i}", payer="P", path=str(path)) for i in range(12)]
    prior = Prior(blob_id(path.read_bytes()), "1" * 40, "P", str(path))
    batches = list(plan_batches(sources, {s.id: prior for s in sources}, 4))
    assert [len(b.sources) for b in batches] == [5, 5, 2]
    assert all(not b.jobs for b in batches)


# -- ordered, bounded execution -----------------------------------------------------------


class Threaded:
    """A fake remote executor: jobs finish out of order; counts what is in flight."""

    name = "threads"
    slots = 3
    window = 3
    remote = True

    def __init__(self, lose: set[int] | None = None) -> None:
        self.pool = ThreadPoolExecutor(3)
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        self.lose = lose or set()

    def start(self) -> None:
        pass

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Future[Any]:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

        def run() -> Any:
            time.sleep(0.002 * (7 - sum(arg) % 7))  # later batches often finish first
            if self.lose & set(arg):
                raise WorkerLost("the worker died")
            return fn(arg)

        future = self.pool.submit(run)
        future.add_done_callback(lambda _: self._done())
        return future

    def _done(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def worker_lost(self, exc: BaseException) -> bool:
        return isinstance(exc, WorkerLost)

    def close(self) -> None:
        self.pool.shutdown()


def _squares(jobs: list[int]) -> list[int]:
    return [j * j for j in jobs]


def test_results_come_back_in_order_with_a_bounded_window() -> None:
    engine = Threaded()
    batches = [(i, list(range(i * 3, i * 3 + 3)) if i % 4 else []) for i in range(20)]
    got = list(run_ordered(engine, _squares, iter(batches)))
    engine.close()
    assert [carried for carried, _ in got] == list(range(20))
    assert [results for _, results in got] == [_squares(jobs) for _, jobs in batches]
    assert engine.most_in_flight <= engine.window


def test_a_job_that_kills_its_worker_fails_alone() -> None:
    engine = Threaded(lose={7})
    got = dict(run_ordered(engine, _squares, iter([(0, [1, 2, 3]), (1, [6, 7, 8])])))
    engine.close()
    assert got[0] == [1, 4, 9]
    assert got[1][0] == 36 and got[1][2] == 64
    assert isinstance(got[1][1], WorkerLost)


def test_workers_that_die_on_everything_stop_the_run() -> None:
    engine = Threaded(lose=set(range(100)))
    with pytest.raises(ExecutorError, match="worker processes keep dying"):
        list(run_ordered(engine, _squares, iter([(0, [1, 2, 3, 4])])))
    engine.close()


def test_inline_executor_reports_an_error_per_job() -> None:
    def broken(jobs: list[int]) -> list[int]:
        raise KeyError("bug")

    [(_, results)] = list(run_ordered(InlineExecutor(), broken, iter([(0, [1, 2])])))
    assert [type(r) for r in results] == [KeyError, KeyError]


def test_a_crashing_worker_process_fails_only_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = variant_docs(tmp_path / "docs", 6)
    config = path_sources(tmp_path / "sources.toml", docs)
    import policywatch.parse as parse

    real = parse.parse_bytes

    def crash_on_note_3(data: bytes) -> Policy:
        if b"Local note 3." in data:
            os._exit(1)  # what a segfault in a native library looks like to the pool
        return real(data)

    monkeypatch.setattr(parse, "parse_bytes", crash_on_note_3)
    summary = run_snapshot(config, tmp_path / "store", workers=2)
    statuses = {o.id: (o.status, o.stage) for o in summary.outcomes}
    assert statuses.pop("pol-03") == ("failed", "worker")
    assert set(statuses.values()) == {("added", None)}
    assert "worker process died" in (summary.failed[0].error or "")
    assert_sound(tmp_path / "store")


def test_cli_rejects_mixed_executor_options(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", variant_docs(tmp_path / "docs", 1))
    base = ["snapshot", "--config", str(config), "--store", str(tmp_path / "s")]
    result = CliRunner().invoke(main, [*base, "--executor", "dask"])
    assert result.exit_code == 2 and "--executor dask needs --scheduler" in result.output
    result = CliRunner().invoke(main, [*base, "--executor", "local", "--scheduler", "tcp://x:1"])
    assert result.exit_code == 2 and "--scheduler is for --executor dask" in result.output
    assert not (tmp_path / "s").exists()


def _python_children(pid: int) -> list[int]:
    """The writer's worker processes (its python children; git children excluded)."""
    done = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    found = []
    for child in (int(p) for p in done.stdout.split()):
        try:
            if b"python" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_end_when_the_writer_is_killed(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", variant_docs(tmp_path / "docs", 40))
    argv = [PYTHON, "-c", _MAIN, "snapshot", "--config", str(config)]
    argv += ["--store", str(tmp_path / "store"), "--workers", "2"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = _python_children(proc.pid)
        time.sleep(0.02)
    assert len(workers) == 2, "the worker processes did not start"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers), "orphaned workers kept running"

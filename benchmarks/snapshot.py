"""Snapshot speed and memory against git's own floor, in one process and in parallel.

    python benchmarks/snapshot.py N [--workers 1,0] [--keep DIR]

Builds N policy files from the corpus (each varied so every one is a distinct
policy), then measures:

* the floors: ``git add -A && git commit`` of the same raw files in a fresh
  repository, and reading + hashing every file (sha256; measured again right
  before each unchanged rerun, in the same page-cache state);
* for each ``--workers`` setting (default ``1`` and ``0`` = the machine's cores),
  in a fresh process and a fresh store: the first snapshot, an unchanged rerun
  and a rerun after 5% of the files changed, each with its CPU time (this
  process, and its children: worker processes and git), the number of
  documents parsed, and the peak RSS of the writer and of its largest child;
* the monthly report (collect + HTML) for the month of the 5%-changed run
  (N/20 changed policies) on the default-workers store.

Targets (issue 7, N = 10,000 on 2 cores, default workers): first snapshot
<= 8x the git floor; unchanged rerun <= 2x read-and-hash; peak RSS <= 1 GB;
report <= 20 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
PAYERS = [
    "Blue Plan East",
    "Blue Plan West",
    "National Health",
    "Medicare MAC J5",
    "NICE",
    "Regional Care",
    "Union Health",
]
# The three runs of a sequence, dated so that the last is alone in its month.
RUNS = (
    ("first snapshot", datetime(2026, 10, 1, 6, tzinfo=UTC)),
    ("unchanged rerun", datetime(2026, 10, 2, 6, tzinfo=UTC)),
    ("rerun, 5% changed", datetime(2026, 11, 2, 6, tzinfo=UTC)),
)
REPORT_MONTH = "2026-11"
TARGET_FIRST = 8.0  # x git floor
TARGET_UNCHANGED = 2.0  # x read-and-hash
TARGET_RSS_MB = 1024.0
TARGET_REPORT_S = 20.0


def build_corpus(folder: Path, count: int) -> list[Path]:
    texts = [p.read_bytes() for p in sorted(FIXTURES.glob("0*.txt"))]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        note = f"\nLocal note {i}: reviewed for plan group {i % 37} on 2025-{i % 12 + 1:02d}-01.\n"
        path = folder / f"policy-{i:05d}.txt"
        path.write_bytes(texts[i % len(texts)] + note.encode())
        paths.append(path)
    return paths


def write_config(config: Path, paths: list[Path]) -> None:
    blocks = [
        f'[[source]]\nid = "{p.stem}"\npayer = "{PAYERS[i % len(PAYERS)]}"\n'
        f'path = "{p.parent.name}/{p.name}"\n'
        for i, p in enumerate(paths)
    ]
    config.write_text("\n".join(blocks), encoding="utf-8")


def git_floor(work: Path, paths: list[Path]) -> float:
    repo = work / "floor"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir()
    for i, path in enumerate(paths):
        target = repo / f"payer-{i % len(PAYERS)}" / path.stem / "source.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    started = time.perf_counter()
    subprocess.run(
        "git add -A && git commit -q -m floor", shell=True, cwd=repo, env=env, check=True
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(repo, ignore_errors=True)
    return elapsed


def read_and_hash(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        hashlib.sha256(path.read_bytes()).hexdigest()
    return time.perf_counter() - started


def change_some(paths: list[Path], share: float) -> int:
    """Revise ``share`` of the files: a reworded line, and a coverage flip where the
    document has an investigational statement."""
    chosen = random.Random(5).sample(paths, k=max(1, round(len(paths) * share)))
    for path in chosen:
        data = path.read_bytes().replace(b"investigational", b"medically necessary", 1)
        path.write_bytes(data + b"\nRevised: coverage criteria reworded.\n")
    return len(chosen)


# -- one sequence (first, unchanged, 5% changed) in a fresh process -----------------------------


class ParseClock:
    """Times the normalize stage (parse_bytes + Policy.to_json) in this process: only
    meaningful for ``--workers 1``, where parsing happens here."""

    def __init__(self) -> None:
        from policywatch import parse
        from policywatch.model import Policy

        self.seconds = 0.0
        self._targets: list[tuple[Any, str, Callable[..., Any]]] = [
            (parse, "parse_bytes", parse.parse_bytes),
            (Policy, "to_json", Policy.to_json),
        ]

    def __enter__(self) -> ParseClock:
        for owner, name, real in self._targets:
            setattr(owner, name, self._timed(real))
        return self

    def _timed(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args)
            finally:
                self.seconds += time.perf_counter() - started

        return timed

    def __exit__(self, *exc: object) -> None:
        for owner, name, real in self._targets:
            setattr(owner, name, real)


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def sequence(work: Path, count: int, workers: int | None) -> None:
    """Print one JSON line per run (child process of :func:`main`)."""
    from policywatch.snapshot import run_snapshot

    paths = build_corpus(work / "docs", count)
    config = work / "sources.toml"
    write_config(config, paths)
    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)
    for index, (label, when) in enumerate(RUNS):
        hash_floor = None
        if index == 1:
            # The floor and the rerun in the same page-cache state: right after the
            # floor's passes, as a nightly rerun finds files the last run read.
            hash_floor = min(read_and_hash(paths) for _ in range(3))
        if index == 2:
            change_some(paths, 0.05)
        cpu_before = _cpu()
        with ParseClock() as clock:
            started = time.perf_counter()
            summary = run_snapshot(config, store, as_of=when, workers=workers)
            wall = time.perf_counter() - started
        cpu_after = _cpu()
        row = {
            "run": label,
            "hash_floor": hash_floor,
            "wall": wall,
            "cpu_self": cpu_after[0] - cpu_before[0],
            "cpu_children": cpu_after[1] - cpu_before[1],
            "parse_here": clock.seconds,
            "parsed": summary.parsed,
            "executor": summary.executor,
            "slots": summary.slots,
            "counts": {s: summary.count(s) for s in ("added", "changed", "unchanged", "failed")},
            "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }
        print(json.dumps(row), flush=True)


def run_sequence(work: Path, count: int, workers: int) -> list[dict[str, Any]]:
    argv = [sys.executable, __file__, str(count), "--sequence", str(work)]
    argv += ["--workers", str(workers)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"sequence with --workers {workers} failed:\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def report_time(store: Path) -> tuple[float, str]:
    from policywatch.render import report_output as render
    from policywatch.report import build_report, month_period

    started = time.perf_counter()
    report = build_report(store, month_period(REPORT_MONTH))
    render(report, "html")
    elapsed = time.perf_counter() - started
    what = (
        f"{len(report.changed)} changed, {len(report.failed)} failed, "
        f"{len(report.overdue)} overdue, {report.tracked} tracked"
    )
    return elapsed, what


# -- printing -------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_rows(label: str, rows: list[dict[str, Any]], floor: float) -> None:
    for row in rows:
        unchanged = row["hash_floor"] is not None
        base, base_name = (row["hash_floor"], "hash floor") if unchanged else (floor, "git floor")
        counts = ", ".join(f"{n} {s}" for s, n in row["counts"].items() if n)
        parse = f"parse+json here {row['parse_here']:6.1f} s" if row["parse_here"] else ""
        print(
            f"{label:<8} {row['run']:<18} {row['wall']:8.2f} s {row['wall'] / base:6.1f}x "
            f"{base_name:<10} cpu {row['cpu_self']:6.1f} + {row['cpu_children']:6.1f} s  "
            f"parsed {row['parsed']:>5}  {parse:<22} [{counts}]"
        )
    last = rows[-1]
    print(
        f"{label:<8} peak RSS: writer {last['rss_self_mb']:.0f} MB, largest child "
        f"{last['rss_children_mb']:.0f} MB; all at once at most {peak_total(last):.0f} MB"
    )


def peak_total(row: dict[str, Any]) -> float:
    """An upper bound of the run's total peak: the writer plus every process that can run
    beside it (each worker slot and git) at the largest child's peak."""
    return float(row["rss_self_mb"] + (row["slots"] + 1) * row["rss_children_mb"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of policy files")
    parser.add_argument(
        "--workers",
        default="1,0",
        help="comma-separated worker counts to compare; 0 = the default (the machine's cores)",
    )
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    parser.add_argument("--sequence", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sequence is not None:
        workers = int(args.workers)
        sequence(args.sequence, args.n, workers or None)
        return 0

    from policywatch.executors import available_cores

    work = args.keep or Path(tempfile.mkdtemp(prefix="pw-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        paths = build_corpus(work / "floor-docs", args.n)
        size = sum(p.stat().st_size for p in paths) / 1e6
        floor = git_floor(work, paths)
        read_and_hash(paths)  # warm the page cache, as a nightly rerun finds it
        hashing = min(read_and_hash(paths) for _ in range(3))
        shutil.rmtree(work / "floor-docs", ignore_errors=True)
        cores = available_cores()
        print(f"N = {args.n} policy files, {size:.1f} MB; {cores} cores")
        print(f"floor: git add -A && git commit  {floor:8.2f} s")
        print(
            f"floor: read + sha256 every file  {hashing:8.2f} s "
            "(measured again before each unchanged rerun)"
        )
        print(
            f"{'workers':<8} {'run':<18} {'wall':>10} {'ratio':>7} {'':<10} "
            "cpu writer + children (workers, git)"
        )
        results: dict[int, list[dict[str, Any]]] = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            rows = run_sequence(work / f"workers-{workers}", args.n, workers)
            results[workers] = rows
            label = str(workers) if workers else f"{cores} (def)"
            print_rows(label, rows, floor)
        default = 0 if 0 in results else max(results)
        seconds, what = report_time(work / f"workers-{default}" / "store")
        print(f"report --month {REPORT_MONTH} (collect + HTML): {seconds:.2f} s  [{what}]")
        rows = results[default]
        first, unchanged = rows[0]["wall"] / floor, rows[1]["wall"] / rows[1]["hash_floor"]
        rss = peak_total(rows[-1])
        print(
            f"targets (default workers): first {first:.1f}x <= {TARGET_FIRST:g}x "
            f"{verdict(first <= TARGET_FIRST)}; unchanged {unchanged:.1f}x <= "
            f"{TARGET_UNCHANGED:g}x {verdict(unchanged <= TARGET_UNCHANGED)}; peak RSS "
            f"{rss:.0f} MB <= {TARGET_RSS_MB:.0f} MB {verdict(rss <= TARGET_RSS_MB)}; report "
            f"{seconds:.1f} s <= {TARGET_REPORT_S:g} s {verdict(seconds <= TARGET_REPORT_S)}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

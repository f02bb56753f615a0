"""Snapshot speed against git's own floor.

    python benchmarks/snapshot.py N [--keep DIR]

Builds N policy files from the corpus (each varied so every one is a distinct
policy), then times, in this one process:

* floor: ``git add -A && git commit`` of the same raw files in a fresh repository;
* read-and-hash: reading every file and hashing it (sha256);
* first snapshot, an unchanged rerun, and a rerun after 5% of the files changed;

and prints each with its ratio to the floor it is judged against, the part of
each run spent in the parser, and peak memory. Targets (N = 2,000): first
snapshot <= 10x the git floor; unchanged rerun <= 3x read-and-hash.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from policywatch import parse
from policywatch.model import Policy
from policywatch.snapshot import SnapshotSummary, run_snapshot

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


def build_corpus(folder: Path, count: int) -> list[Path]:
    texts = [p.read_bytes() for p in sorted(FIXTURES.glob("0*.txt"))]
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
        f'path = "docs/{p.name}"\n'
        for i, p in enumerate(paths)
    ]
    config.write_text("\n".join(blocks), encoding="utf-8")


def git_floor(work: Path, paths: list[Path]) -> float:
    repo = work / "floor"
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
    return time.perf_counter() - started


def read_and_hash(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        hashlib.sha256(path.read_bytes()).hexdigest()
    return time.perf_counter() - started


class ParseClock:
    """Times the normalize stage (parse_bytes + Policy.to_json, the parser's and the
    model's code) so the store's own overhead can be told apart from it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._parse: Callable[[bytes], Policy] = parse.parse_bytes
        self._to_json: Callable[[Policy], str] = Policy.to_json

    def __enter__(self) -> ParseClock:
        real_parse, real_to_json = self._parse, self._to_json

        def timed_parse(data: bytes) -> Policy:
            started = time.perf_counter()
            try:
                return real_parse(data)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        def timed_to_json(policy: Policy) -> str:
            started = time.perf_counter()
            try:
                return real_to_json(policy)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(parse, "parse_bytes", timed_parse)  # noqa: B010
        setattr(Policy, "to_json", timed_to_json)  # noqa: B010 - patching a method
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(parse, "parse_bytes", self._parse)  # noqa: B010
        setattr(Policy, "to_json", self._to_json)  # noqa: B010


def timed_run(config: Path, store: Path) -> tuple[float, ParseClock, SnapshotSummary]:
    with ParseClock() as clock:
        started = time.perf_counter()
        summary = run_snapshot(config, store)
        elapsed = time.perf_counter() - started
    return elapsed, clock, summary


def change_some(paths: list[Path], share: float) -> int:
    chosen = random.Random(5).sample(paths, k=max(1, round(len(paths) * share)))
    for path in chosen:
        path.write_bytes(path.read_bytes() + b"\nRevised: coverage criteria reworded.\n")
    return len(chosen)


def row(
    label: str,
    seconds: float,
    floor: float,
    floor_name: str,
    clock: ParseClock | None,
    summary: SnapshotSummary | None,
) -> str:
    parse_part = ""
    if clock is not None:
        store_part = seconds - clock.seconds
        parse_part = (
            f"  parse+json {clock.seconds:6.2f} s ({clock.calls} docs), "
            f"store {store_part:6.2f} s = {store_part / floor:4.1f}x"
        )
    counts = ""
    if summary is not None:
        counts = (
            "  ["
            + ", ".join(
                f"{summary.count(s)} {s}" for s in ("added", "changed", "unchanged", "failed")
            )
            + "]"
        )
    return f"{label:<26}{seconds:8.2f} s  {seconds / floor:6.1f}x {floor_name}{parse_part}{counts}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of policy files")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="pw-bench-"))
    try:
        paths = build_corpus(work / "docs", args.n)
        config = work / "sources.toml"
        write_config(config, paths)
        store = work / "store"
        floor = git_floor(work, paths)
        print(f"N = {args.n} policy files, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB")
        print(row("git add -A && git commit", floor, floor, "git floor", None, None))
        first = timed_run(config, store)
        print(row("first snapshot", first[0], floor, "git floor", first[1], first[2]))
        # Same page-cache state for both: the floor's passes leave the files cached,
        # as a nightly rerun finds them after the previous run read them.
        hashing = min(read_and_hash(paths) for _ in range(3))
        print(row("read + sha256", hashing, hashing, "hash floor", None, None))
        again = timed_run(config, store)
        print(row("unchanged rerun", again[0], hashing, "hash floor", again[1], again[2]))
        changed = change_some(paths, 0.05)
        some = timed_run(config, store)
        print(row(f"rerun, {changed} changed", some[0], floor, "git floor", some[1], some[2]))
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory: {own:.0f} MB (this process), {kids:.0f} MB (largest git child)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the diff stage against difflib.HtmlDiff on the largest corpus pairs.

    /work/venv/bin/python benchmarks/diff.py [--check]

Prints, per pair, the median time of
  1. the semantic diff alone (both documents parsed beforehand),
  2. the full HTML path: parse both files + diff + render the HTML page,
  3. ``difflib.HtmlDiff().make_file`` on the two files' lines (the baseline),
and the baseline / HTML-path ratio. Targets (issue 3): semantic diff ≤ 50 ms,
HTML path ≥ 20× faster than the baseline. ``--check`` exits 1 if one is missed.
"""

from __future__ import annotations

import difflib
import statistics
import sys
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

from policywatch.diff import diff_policies
from policywatch.parse import parse_file
from policywatch.render import render_html

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SEMANTIC_TARGET_MS = 50.0
SPEEDUP_TARGET = 20.0
RUNS = {"semantic": 21, "html": 11, "baseline": 3}


def median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm-up: imports, compiled regexes, template cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def pairs() -> list[tuple[str, Path, Path]]:
    docs = sorted(FIXTURES.glob("0*.txt"))
    largest = max(combinations(docs, 2), key=lambda p: p[0].stat().st_size + p[1].stat().st_size)
    by_name = {p.name[:3]: p for p in docs}
    editions = (by_name["000"], by_name["001"])  # the largest pair of editions of one policy
    return [("largest corpus pair", *largest), ("largest same-policy pair", *editions)]


def bench(old_path: Path, new_path: Path) -> dict[str, float]:
    old, new = parse_file(old_path), parse_file(new_path)
    old_lines = old_path.read_text(encoding="utf-8").splitlines()
    new_lines = new_path.read_text(encoding="utf-8").splitlines()

    def html_path() -> str:
        return render_html(diff_policies(parse_file(old_path), parse_file(new_path)))

    return {
        "semantic": median_ms(lambda: diff_policies(old, new), RUNS["semantic"]),
        "html": median_ms(html_path, RUNS["html"]),
        "baseline": median_ms(
            lambda: difflib.HtmlDiff().make_file(old_lines, new_lines), RUNS["baseline"]
        ),
    }


def main() -> int:
    ok = True
    print("policywatch diff benchmark (median; parse excluded from the semantic diff)")
    for label, old_path, new_path in pairs():
        sizes = f"{old_path.stat().st_size / 1000:.1f} kB × {new_path.stat().st_size / 1000:.1f} kB"
        print(f"\n{old_path.name} × {new_path.name} ({sizes}): {label}")
        t = bench(old_path, new_path)
        speedup = t["baseline"] / t["html"]
        semantic_ok = t["semantic"] <= SEMANTIC_TARGET_MS
        speedup_ok = speedup >= SPEEDUP_TARGET
        ok = ok and semantic_ok and speedup_ok
        print(
            f"  semantic diff                   {t['semantic']:8.1f} ms"
            f"   target ≤ {SEMANTIC_TARGET_MS:.0f} ms  {'ok' if semantic_ok else 'MISSED'}"
        )
        print(f"  parse + diff + HTML render      {t['html']:8.1f} ms")
        print(f"  difflib.HtmlDiff().make_file    {t['baseline']:8.1f} ms   (baseline)")
        print(
            f"  HTML path speed-up              {speedup:8.1f} ×"
            f"    target ≥ {SPEEDUP_TARGET:.0f} ×    {'ok' if speedup_ok else 'MISSED'}"
        )
    return 0 if ok or "--check" not in sys.argv else 1


if __name__ == "__main__":
    sys.exit(main())

"""Parse speed: median milliseconds per corpus document (extract + parse, one core).

Usage: python benchmarks/parse.py [ROUNDS]
Target (issue 2): median <= 20 ms per document.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from policywatch.parse import parse_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def main(rounds: int = 30) -> None:
    documents = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("0*.txt"))}
    for data in documents.values():
        parse_bytes(data)  # warm up regex caches and imports
    per_document: dict[str, float] = {}
    for name, data in documents.items():
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            parse_bytes(data)
            times.append(time.perf_counter() - start)
        per_document[name] = statistics.median(times) * 1000
    print(f"{'document':<28}{'KB':>8}{'median ms':>12}")
    for name, ms in per_document.items():
        print(f"{name:<28}{len(documents[name]) / 1024:>8.1f}{ms:>12.2f}")
    overall = statistics.median(per_document.values())
    print(f"median per document: {overall:.2f} ms  (target <= 20 ms)")
    print(f"documents per second: {1000 / statistics.mean(per_document.values()):.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)

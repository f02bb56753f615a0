"""Report speed and size on a store of 1,000 policies with 100 changed in the month.

    python benchmarks/report.py [--policies 1000] [--changed 100] [--keep DIR]

Builds the store through the store's own API (parsing the five corpus
documents once and varying them, so setup takes seconds, not a parse per
policy): six months of history with 30 changes a month, then November 2026
with ``--changed`` policies changed over ten nightly runs (coverage flips,
dropped and added codes, evidence counts, dates, wording) and a few failed
sources. Then times ``build_report`` + HTML rendering for ``--month 2026-11``
(and the JSON and CSV exports) and prints the file sizes.

Targets (1,000 policies, 100 changed): report <= 10 s, HTML <= 5 MB.
"""

from __future__ import annotations

import argparse
import copy
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from policywatch.model import Code, HistoryEntry, Policy
from policywatch.parse import parse_file
from policywatch.render import report_output as render
from policywatch.report import build_report, month_period
from policywatch.snapshot import SnapshotSummary, SourceOutcome, Status
from policywatch.sources import Source
from policywatch.store import META_FILE, POLICY_FILE, Meta, Store, Transaction, store_path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
PAYERS = ["Blue Plan East", "Blue Plan West", "National Health", "Medicare MAC J5", "Regional Care"]
TARGET_SECONDS = 10.0
TARGET_BYTES = 5 * 1024 * 1024


class Corpus:
    """The five corpus documents, parsed once; policy ``i`` is a variant of one of them."""

    def __init__(self) -> None:
        paths = sorted(FIXTURES.glob("0*.txt"))
        self.raw = [p.read_bytes() for p in paths]
        self.parsed = [parse_file(p) for p in paths]

    def source(self, i: int) -> Source:
        payer = PAYERS[i % len(PAYERS)]
        return Source(id=f"policy-{i:04d}", payer=payer, path=f"/docs/policy-{i:04d}.txt")

    def policy(self, i: int) -> Policy:
        policy = copy.deepcopy(self.parsed[i % len(self.parsed)])
        policy.payer = self.source(i).payer
        policy.policy_number = f"{policy.policy_number or 'P'}-{i:04d}"
        policy.title = f"{policy.title} ({i:04d})"
        return policy

    def raw_bytes(self, i: int, version: int) -> bytes:
        return self.raw[i % len(self.raw)] + f"\nVariant {i}, edition {version}.\n".encode()


def edit(policy: Policy, i: int, when: datetime) -> None:
    """One realistic revision, chosen by ``i``: what a payer changes in a month."""
    kind = i % 5
    day = when.date().isoformat()
    if kind == 0 and policy.coverage:
        first = policy.coverage[0]
        flipped = "medically_necessary" if first.status != "medically_necessary" else "not_covered"
        first.status = flipped
        first.text = f"{first.text} Now {flipped.replace('_', ' ')} when criteria are met."
        policy.history.append(HistoryEntry(day, "Coverage position revised."))
    elif kind == 1 and policy.codes:
        policy.codes.pop(0)  # silently: no history entry, no date
    elif kind == 2 and policy.evidence:
        counts = policy.evidence[0].counts
        rct = counts.get("rct")
        counts["rct"] = (rct if isinstance(rct, int) else 0) + 1
        policy.dates.effective = day
    elif kind == 3 and policy.sections:
        section = policy.sections[len(policy.sections) // 2]
        section.text = section.text.replace(" the ", " the revised ", 3) + " Reviewed again."
        policy.dates.next_review = f"{when.year + 1}-{when.month:02d}"
    else:
        policy.codes.append(Code("HCPCS", f"C{9700 + i % 99}", "New device code"))
        policy.history.append(HistoryEntry(day, "Coding update."))


class Builder:
    def __init__(self, root: Path, corpus: Corpus) -> None:
        self.root = root
        self.corpus = corpus
        self.current: dict[int, Policy] = {}
        self.editions: dict[int, int] = {}

    def run(self, when: datetime, added: list[int], changed: list[int], failed: list[int]) -> None:
        summary = SnapshotSummary(when, str(self.root))
        with Store.open_for_write(self.root) as store:
            txn = store.transaction()
            for i in added:
                self.current[i] = self.corpus.policy(i)
                self._put(txn, i, "added", summary)
            for i in changed:
                edit(self.current[i], i + self.editions.get(i, 0), when)
                self._put(txn, i, "changed", summary)
            for i in failed:
                source = self.corpus.source(i)
                summary.outcomes.append(
                    SourceOutcome(source.id, "failed", source.store_dir, source.location,
                                  "fetch", "HTTP 503 Service Unavailable (after 4 attempts)")
                )  # fmt: skip
            txn.commit(summary.run_log(), when)

    def _put(self, txn: Transaction, i: int, status: Status, summary: SnapshotSummary) -> None:
        source = self.corpus.source(i)
        self.editions[i] = self.editions.get(i, 0) + 1
        folder = source.store_dir
        meta = Meta(id=source.id, payer=source.payer, path=str(source.path), raw="source.txt")
        put = txn.put
        put(store_path(folder, "source.txt"), self.corpus.raw_bytes(i, self.editions[i]))
        put(store_path(folder, POLICY_FILE), self.current[i].to_json().encode())
        put(store_path(folder, META_FILE), meta.to_bytes())
        summary.outcomes.append(SourceOutcome(source.id, status, folder, source.location))


def build_store(root: Path, policies: int, changed: int) -> None:
    corpus = Corpus()
    builder = Builder(root, corpus)
    rng = random.Random(20261101)
    start = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    builder.run(start, list(range(policies)), [], [])
    for month in range(5, 11):  # six months of history before the reported month
        when = datetime(2026, month, 2, 6, 0, tzinfo=UTC)
        builder.run(when, [], rng.sample(range(policies), 30), rng.sample(range(policies), 2))
    picked = rng.sample(range(policies), changed)
    nights = 10
    for night in range(nights):
        when = datetime(2026, 11, 1, 6, 0, tzinfo=UTC) + timedelta(days=3 * night)
        batch = picked[night::nights]
        builder.run(when, [], batch, [rng.randrange(policies)] if night % 3 == 0 else [])


T = TypeVar("T")


def timed(label: str, action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    print(f"  {label:<36} {elapsed:7.2f} s")
    return elapsed, result


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def measure(store: Path) -> bool:
    period = month_period("2026-11")
    collect_s, report = timed("collect from the store", lambda: build_report(store, period))
    html_s, html = timed("render HTML", lambda: render(report, "html"))
    timed("export JSON", lambda: render(report, "json"))
    timed("export CSV", lambda: render(report, "csv"))
    total, size = collect_s + html_s, len(html.encode("utf-8"))
    print(
        f"  report: {len(report.changed)} changed, {len(report.added)} added, "
        f"{len(report.failed)} failed, {len(report.overdue)} overdue, {report.tracked} tracked"
    )
    fast, small = total <= TARGET_SECONDS, size <= TARGET_BYTES
    print(
        f"  {'report time (collect + HTML)':<36} {total:7.2f} s   target <= 10 s  {verdict(fast)}"
    )
    print(f"  {'HTML file size':<36} {size / 2**20:7.2f} MB  target <= 5 MB  {verdict(small)}")
    return fast and small


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="policywatch-report-bench-"))
    store = work / "snapshots"
    print(
        f"policywatch report benchmark: {args.policies} policies, {args.changed} changed in 2026-11"
    )
    try:
        timed("build the store (setup)", lambda: build_store(store, args.policies, args.changed))
        return 0 if measure(store) else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

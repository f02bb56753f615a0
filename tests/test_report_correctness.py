"""The report tells every change recorded in its period (issue 12, item 4).

Each test back-fills a small store with ``snapshot --as-of`` and reads the report
as an analyst would (HTML, JSON and CSV through the CLI, or the report model):

* a policy first snapshotted on the period's first day and changed twice later in
  the same period (the Q3 report said "Changed 0");
* a coverage statement removed on 11-05 and restored on 11-06 (November's report
  compared only the period's first and last versions and showed nothing);
* a source failing since October (November's report counted from 11-02 only);
* a source that recovers without changing (``recovered_at`` stayed null).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from policywatch.report import Report, build_report, month_period, range_period
from tests.report_store import SAMPLES, report_cli, snapshot
from tests.store_support import write_sources

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BCBSMA = "blue-cross-blue-shield-of-massachusetts/bcbsma-633"
CAM = "regional-blue-plan-cam-series/cam-70175hb"
REGIONAL = "regional-plan-unnamed/regional-surgery-cryoablation"
NICE = "nice/nice-htg241"
LIVER = "primary or metastatic tumors in the liver"

# Editions from the bundled samples (see samples/README.md).
BCBSMA_INVESTIGATIONAL = SAMPLES / "policies/bcbsma-633/2026-10.txt"
BCBSMA_NECESSARY = SAMPLES / "policies/bcbsma-633/2026-11.txt"  # coverage reversal
CAM_OCTOBER = SAMPLES / "policies/cam-70175hb/2026-10.txt"
CAM_NOVEMBER = SAMPLES / "policies/cam-70175hb/2026-11.txt"  # CPT 76940 dropped
REGIONAL_DOC = SAMPLES / "policies/regional-surgery-cryoablation/2026-11.txt"
NICE_DOC = SAMPLES / "policies/nice-htg241/2026-10.txt"

SOURCES = {
    "bcbsma-633": "Blue Cross Blue Shield of Massachusetts",
    "cam-70175hb": "Regional Blue plan (CAM series)",
    "regional-surgery-cryoablation": "Regional plan (unnamed)",
    "nice-htg241": "NICE",
}


class Desk:
    """A folder of sources whose files a test rewrites between back-dated runs."""

    def __init__(self, root: Path, ids: list[str]) -> None:
        self.docs = root / "docs"
        self.docs.mkdir()
        self.store = root / "snapshots"
        self.config = write_sources(
            root / "sources.toml",
            [{"id": i, "payer": SOURCES[i], "path": f"docs/{i}.txt"} for i in ids],
        )

    def publish(self, source_id: str, edition: Path | str) -> None:
        target = self.docs / f"{source_id}.txt"
        if isinstance(edition, Path):
            shutil.copyfile(edition, target)
        else:
            target.write_text(edition, encoding="utf-8")

    def run(self, as_of: str, expect: int = 0) -> None:
        result = snapshot(self.config, self.store, as_of)
        assert result.exit_code == expect, result.output

    def report(self, *period: str, fmt: str = "json") -> str:
        out = self.store.parent / f"report.{fmt}"
        result = report_cli(*period, "--store", str(self.store), "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8")


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


# -- changes after a policy's first snapshot in the same period -----------------------------


@pytest.fixture(scope="module")
def third_quarter(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """Two policies first snapshotted on 07-01. BCBSMA 633 reverses its coverage on
    08-03 and back on 09-01; CAM 70175HB drops a code on 08-17 (a silent change)."""
    desk = Desk(tmp_path_factory.mktemp("q3"), ["bcbsma-633", "cam-70175hb"])
    desk.publish("bcbsma-633", BCBSMA_INVESTIGATIONAL)
    desk.publish("cam-70175hb", CAM_OCTOBER)
    desk.run("2026-07-01T06:00:00Z")
    desk.publish("bcbsma-633", BCBSMA_NECESSARY)
    desk.run("2026-08-03T06:00:00Z")
    desk.publish("cam-70175hb", CAM_NOVEMBER)
    desk.run("2026-08-17T06:00:00Z")
    desk.publish("bcbsma-633", BCBSMA_INVESTIGATIONAL)
    desk.run("2026-09-01T06:00:00Z")
    return desk


def test_q3_report_counts_changes_after_the_first_snapshot(third_quarter: Desk) -> None:
    data = json.loads(third_quarter.report("--since", "2026-07-01", "--until", "2026-09-30"))
    assert (data["summary"]["changed"], data["summary"]["added"]) == (2, 2)
    assert sorted(p["policy_dir"] for p in data["added"]) == [BCBSMA, CAM]
    # Each added entry is the version first recorded, on 07-01.
    assert {p["recorded_at"] for p in data["added"]} == {"2026-07-01T06:00:00Z"}
    bcbsma = next(p for p in data["added"] if p["policy_dir"] == BCBSMA)
    assert bcbsma["coverage"] == [{"indication": LIVER, "status": "investigational"}]

    changed = {p["policy_dir"]: p for p in data["changed"]}
    cam = changed[CAM]
    assert cam["diff"]["silent_change"] is True
    assert [c["summary"] for c in cam["diff"]["changes"]][0].startswith("CPT 76940 removed")
    assert cam["recorded_at"] == "2026-08-17T06:00:00Z"
    assert data["silent_changes"] == [CAM]


def test_q3_report_shows_both_coverage_reversals(third_quarter: Desk) -> None:
    data = json.loads(third_quarter.report("--since", "2026-07-01", "--until", "2026-09-30"))
    bcbsma = next(p for p in data["changed"] if p["policy_dir"] == BCBSMA)
    # Back where it started on 07-01, so nothing is left in the net comparison…
    assert bcbsma["diff"]["changes"] == []
    assert bcbsma["highest_severity"] == "high"
    # …but both versions recorded after it are listed, and the reversal is shown
    # as changed on 08-03, then reverted on 09-01.
    # (+1 more: the history row; the two sections whose wording only repeats the flip and
    # the row are folded into them, not counted)
    assert [(v["recorded_at"], v["summary"]) for v in bcbsma["versions"]] == [
        ("2026-08-03T06:00:00Z", "Primary or metastatic tumors in the liver: "
         "investigational → medically necessary (+1 more)"),
        ("2026-09-01T06:00:00Z", "Primary or metastatic tumors in the liver: "
         "medically necessary → investigational (+1 more)"),
    ]  # fmt: skip
    [coverage] = [r for r in bcbsma["reverted"] if r["change"]["kind"] == "coverage"]
    assert coverage["changed_at"] == "2026-08-03T06:00:00Z"
    assert coverage["reverted_at"] == "2026-09-01T06:00:00Z"
    assert coverage["change"]["before"]["status"] == "investigational"
    assert coverage["change"]["after"]["status"] == "medically_necessary"
    assert [r["policy_dir"] for r in data["reverted_changes"]].count(BCBSMA) >= 1


def test_q3_html_says_changed_two(third_quarter: Desk) -> None:
    html = third_quarter.report("--since", "2026-07-01", "--until", "2026-09-30", fmt="html")
    assert '<div class="hot"><dt>Changed</dt><dd>2</dd></div>' in html
    assert "Changed, then reverted" in html
    assert "2026-08-03 06:00 UTC" in html and "2026-09-01 06:00 UTC" in html


def test_q3_each_month_alone_still_reads_right(third_quarter: Desk) -> None:
    july = build_report(third_quarter.store, month_period("2026-07"), now=NOW)
    assert ([p.policy_dir for p in july.added], july.changed) == ([BCBSMA, CAM], [])
    august = build_report(third_quarter.store, month_period("2026-08"), now=NOW)
    assert sorted(p.policy_dir for p in august.changed) == [BCBSMA, CAM]
    assert august.added == [] and all(not p.reverted for p in august.changed)


# -- a change reverted the next day -----------------------------------------------------------


PROSTATE = "  - D. Prostate tumors\n"


@pytest.fixture(scope="module")
def november_revert(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """A coverage statement removed on 11-05 and restored on 11-06."""
    desk = Desk(tmp_path_factory.mktemp("revert"), ["regional-surgery-cryoablation"])
    original = REGIONAL_DOC.read_text(encoding="utf-8")
    assert PROSTATE in original
    desk.publish("regional-surgery-cryoablation", original)
    desk.run("2026-10-01T06:00:00Z")
    desk.publish("regional-surgery-cryoablation", original.replace(PROSTATE, ""))
    desk.run("2026-11-05T06:00:00Z")
    desk.publish("regional-surgery-cryoablation", original)
    desk.run("2026-11-06T06:00:00Z")
    return desk


def test_a_change_reverted_the_next_day_is_in_the_month(november_revert: Desk) -> None:
    report = build_report(november_revert.store, month_period("2026-11"), now=NOW)
    [policy] = report.changed
    assert policy.policy_dir == REGIONAL
    assert policy.changes == ()  # the same document at the end as at the start
    [reverted] = [r for r in policy.reverted if r.change.kind == "coverage"]
    assert reverted.change.action == "removed"
    assert reverted.change.before is not None
    assert reverted.change.before["indication"] == "prostate tumors"
    assert reverted.changed_at == datetime(2026, 11, 5, 6, 0, tzinfo=UTC)
    assert reverted.reverted_at == datetime(2026, 11, 6, 6, 0, tzinfo=UTC)
    assert policy.highest_severity == "high"
    assert policy.headline.startswith("Changed, then reverted: ")
    assert report.needs_attention >= 1
    assert any(p is policy for p, _ in report.reverted_changes)


def test_the_reverted_change_in_html_json_and_csv(november_revert: Desk) -> None:
    html = november_revert.report("--month", "2026-11", fmt="html")
    assert '<div class="hot"><dt>Changed</dt><dd>1</dd></div>' in html
    assert "Changed, then reverted" in html
    assert "2026-11-05 06:00 UTC" in html and "2026-11-06 06:00 UTC" in html

    data = json.loads(november_revert.report("--month", "2026-11"))
    assert data["summary"]["changed"] == 1 and data["summary"]["reverted"] >= 1
    [entry] = [r for r in data["reverted_changes"] if r["change"]["kind"] == "coverage"]
    assert (entry["policy_dir"], entry["changed_at"], entry["reverted_at"]) == (
        REGIONAL, "2026-11-05T06:00:00Z", "2026-11-06T06:00:00Z",
    )  # fmt: skip

    rows = csv_rows(november_revert.report("--month", "2026-11", fmt="csv"))
    [row] = [r for r in rows if r["kind"] == "coverage"]
    assert (row["action"], row["severity"], row["field"]) == (
        "removed", "high", "coverage[prostate tumors]",
    )  # fmt: skip
    assert (row["recorded_at"], row["reverted_at"]) == (
        "2026-11-05T06:00:00Z", "2026-11-06T06:00:00Z",
    )  # fmt: skip


def test_a_period_ending_between_change_and_revert_shows_the_change(
    november_revert: Desk,
) -> None:
    report = build_report(november_revert.store, range_period("2026-11-01", "2026-11-05"), now=NOW)
    [policy] = report.changed
    assert [c.summary for c in policy.changes if c.kind == "coverage"] == [
        "Coverage statement removed: Prostate tumors (was medically necessary)"
    ]
    assert policy.reverted == ()


# -- failures across the month boundary, and recovery ---------------------------------------------


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """NICE fails on 10-05, recovers (a run on 10-10 records CAM's change and names no
    failure), then fails on every run from 10-20 to 11-09."""
    desk = Desk(tmp_path_factory.mktemp("failing"), ["cam-70175hb", "nice-htg241"])
    desk.publish("cam-70175hb", CAM_OCTOBER)
    desk.publish("nice-htg241", NICE_DOC)
    desk.run("2026-10-01T06:00:00Z")
    desk.publish("nice-htg241", "")  # an empty download: a fetch failure
    desk.run("2026-10-05T06:00:00Z", expect=3)
    desk.publish("nice-htg241", NICE_DOC)
    desk.publish("cam-70175hb", CAM_NOVEMBER)
    desk.run("2026-10-10T06:00:00Z")
    desk.publish("nice-htg241", "")
    for day in ("2026-10-20", "2026-10-27", "2026-11-02", "2026-11-09"):
        desk.run(f"{day}T06:00:00Z", expect=3)
    return desk


def test_failing_since_october_counts_across_the_month_boundary(failing: Desk) -> None:
    report = build_report(failing.store, month_period("2026-11"), now=NOW)
    [failed] = report.failed
    assert failed.source_id == "nice-htg241"
    assert failed.failures == 4
    assert failed.failures_in_period == 2
    assert failed.first_failed_at == datetime(2026, 10, 20, 6, 0, tzinfo=UTC)
    assert failed.last_failed_at == datetime(2026, 11, 9, 6, 0, tzinfo=UTC)
    assert failed.recovered_at is None

    html = failing.report("--month", "2026-11", fmt="html")
    assert "4 failed runs since 2026-10-20 06:00 UTC" in html
    data = json.loads(failing.report("--month", "2026-11"))
    [entry] = data["failed_sources"]
    assert (entry["failures"], entry["failures_in_period"], entry["first_failed_at"]) == (
        4, 2, "2026-10-20T06:00:00Z",
    )  # fmt: skip


def test_a_streak_starts_after_the_last_run_that_did_not_fail(failing: Desk) -> None:
    october = build_report(failing.store, month_period("2026-10"), now=NOW)
    [failed] = october.failed
    assert (failed.failures, failed.failures_in_period) == (2, 3)
    assert failed.first_failed_at == datetime(2026, 10, 20, 6, 0, tzinfo=UTC)


def _failed_then_restored(root: Path, also_changes: bool) -> Desk:
    """NICE fails on 11-02 and is back, byte for byte as stored, on 11-09."""
    desk = Desk(root, ["cam-70175hb", "nice-htg241"])
    desk.publish("cam-70175hb", CAM_OCTOBER)
    desk.publish("nice-htg241", NICE_DOC)
    desk.run("2026-10-01T06:00:00Z")
    desk.publish("nice-htg241", "")
    desk.run("2026-11-02T06:00:00Z", expect=3)
    desk.publish("nice-htg241", NICE_DOC)  # unchanged from the stored version
    if also_changes:
        desk.publish("cam-70175hb", CAM_NOVEMBER)
    desk.run("2026-11-09T06:00:00Z")
    return desk


def test_recovery_unchanged_in_a_run_that_committed(tmp_path: Path) -> None:
    desk = _failed_then_restored(tmp_path, also_changes=True)
    report = build_report(desk.store, month_period("2026-11"), now=NOW)
    [failed] = report.failed
    assert failed.recovered_at == datetime(2026, 11, 9, 6, 0, tzinfo=UTC)
    assert NICE not in [p.policy_dir for p in report.policies]  # no new version
    html = desk.report("--month", "2026-11", fmt="html")
    assert "Recovered 2026-11-09 06:00 UTC" in html
    data = json.loads(desk.report("--month", "2026-11"))
    assert data["failed_sources"][0]["recovered_at"] == "2026-11-09T06:00:00Z"


def test_recovery_unchanged_in_an_otherwise_quiet_run(tmp_path: Path) -> None:
    desk = _failed_then_restored(tmp_path, also_changes=False)
    [failed] = build_report(desk.store, month_period("2026-11"), now=NOW).failed
    assert failed.recovered_at == datetime(2026, 11, 9, 6, 0, tzinfo=UTC)


def test_recovery_from_a_parse_failure_unchanged(tmp_path: Path) -> None:
    desk = Desk(tmp_path, ["nice-htg241"])
    desk.publish("nice-htg241", NICE_DOC)
    desk.run("2026-10-01T06:00:00Z")
    desk.publish("nice-htg241", "Sign in to Provider Portal\n")  # fails to parse
    desk.run("2026-11-02T06:00:00Z", expect=3)
    desk.publish("nice-htg241", NICE_DOC)  # back as stored: the failed bytes are cleared
    desk.run("2026-11-09T06:00:00Z")
    report: Report = build_report(desk.store, month_period("2026-11"), now=NOW)
    [failed] = report.failed
    assert failed.recovered_at == datetime(2026, 11, 9, 6, 0, tzinfo=UTC)

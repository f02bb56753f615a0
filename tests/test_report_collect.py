"""The report's data from a real store: three back-filled months of the bundled samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from policywatch.maintenance import reparse
from policywatch.model import Policy, canonical_json
from policywatch.report import Report, build_report, month_period, range_period
from policywatch.snapshot import run as snapshot_run
from policywatch.store import POLICY_FILE, Store, store_path
from tests.report_store import (
    BCBSLA,
    BCBSMA,
    CAM,
    NICE,
    REGIONAL,
    StoreTemplates,
    build_sample_store,
    snapshot,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture()
def in_december(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that back-fill December runs: the clock says December is over (a future
    --as-of is refused)."""
    monkeypatch.setattr(snapshot_run, "now", lambda: datetime(2026, 12, 31, tzinfo=UTC))


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> Path:
    store, _ = store_templates.sample(tmp_path_factory.mktemp("report"))
    return store


@pytest.fixture(scope="module")
def november(sample_store: Path) -> Report:
    return build_report(sample_store, month_period("2026-11"), now=NOW)


def dirs(items: object) -> list[str]:
    return [item.policy_dir for item in items]  # type: ignore[attr-defined]


def test_november_summary_numbers(november: Report) -> None:
    assert november.tracked == 5
    assert len(november.changed) == 3
    assert len(november.added) == 0
    assert len(november.failed) == 1
    assert len(november.overdue) == 1
    assert november.commits == 1
    assert november.policies_by_severity == {"high": 2, "medium": 1, "low": 0}
    assert sum(november.severity_counts.values()) == len(november.all_changes)
    assert november.kind_counts["coverage"] == 1
    assert november.kind_counts["code"] == 1
    assert november.kind_counts["evidence"] == 1


def test_november_lists_the_changed_policies_high_severity_first(november: Report) -> None:
    assert dirs(november.changed) == [BCBSMA, CAM, BCBSLA]
    by_dir = {p.policy_dir: p for p in november.changed}
    assert by_dir[BCBSMA].headline.startswith(
        "Primary or metastatic tumors in the liver: investigational → medically necessary"
    )
    assert by_dir[CAM].headline.startswith("CPT 76940 removed")
    assert by_dir[BCBSLA].highest_severity == "medium"
    assert by_dir[BCBSLA].payer == "Blue Cross and Blue Shield of Louisiana"
    assert by_dir[BCBSLA].policy_number == "00220"
    summaries = [c.summary for c in by_dir[BCBSLA].changes]
    assert "Effective date: 2024-07-08 → 2026-11-03" in summaries
    assert "Next review date: 2025-06 → 2027-10" in summaries


def test_unchanged_and_failed_policies_are_not_listed_as_changed(november: Report) -> None:
    listed = dirs(november.policies)
    assert REGIONAL not in listed  # unchanged all three months
    assert NICE not in listed  # failed in November: its October version stays current


def test_each_change_names_the_commits_compared_and_the_source(
    november: Report, sample_store: Path
) -> None:
    store = Store.open(sample_store)
    head = store.head()
    for policy in november.changed:
        assert policy.new_commit == head
        assert policy.old_commit == store.git.resolve_commit("HEAD~1")
        assert policy.source is not None and policy.source.endswith("2026-11.txt")
        assert policy.recorded_at == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    assert november.end_commit == head


def test_coverage_status_changes_and_silent_changes(november: Report) -> None:
    [(policy, change)] = november.coverage_status_changes
    assert policy.policy_dir == BCBSMA
    assert change.before is not None and change.after is not None
    assert (change.before["status"], change.after["status"]) == (
        "investigational",
        "medically_necessary",
    )
    assert dirs(november.silent_changes) == [CAM]


def test_failed_source_section(november: Report) -> None:
    [failed] = november.failed
    assert failed.source_id == "nice-htg241"
    assert failed.policy_dir == NICE
    assert failed.stage == "fetch"
    assert failed.error.endswith("2026-11.txt: empty file")
    assert failed.title == "Cryotherapy for the treatment of liver metastases"
    assert failed.has_version and failed.failures == 1
    assert failed.last_failed_at == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def test_overdue_reviews_section(november: Report) -> None:
    [overdue] = november.overdue
    assert overdue.policy_dir == REGIONAL
    assert overdue.next_review == "2023-11"
    assert overdue.last_revised == "2023-02-01"
    assert overdue.payer == "Regional plan (unnamed)"


def test_october_adds_nice_and_both_reviews_are_overdue(sample_store: Path) -> None:
    report = build_report(sample_store, month_period("2026-10"), now=NOW)
    assert report.changed == []
    assert dirs(report.added) == [NICE]
    assert report.added[0].coverage == (("liver metastases", "special_arrangements"),)
    assert report.failed == ()
    # BCBSLA's review was due 2025-06; its November edition moves it to 2027-10.
    assert sorted(dirs(report.overdue)) == sorted([BCBSLA, REGIONAL])


def test_september_is_four_added_policies(sample_store: Path) -> None:
    report = build_report(sample_store, month_period("2026-09"), now=NOW)
    assert len(report.added) == 4 and report.changed == []
    assert report.start_commit is None


def test_a_range_spanning_two_months(sample_store: Path) -> None:
    report = build_report(sample_store, range_period("2026-10-01", "2026-11-15"), now=NOW)
    assert dirs(report.added) == [NICE]
    assert sorted(dirs(report.changed)) == sorted([BCBSMA, CAM, BCBSLA])
    assert report.commits == 2


def test_a_period_without_snapshots(sample_store: Path) -> None:
    report = build_report(sample_store, month_period("2026-12"), now=NOW)
    assert report.policies == () and report.commits == 0
    assert report.tracked == 5
    assert report.end_commit == Store.open(sample_store).head()
    before = build_report(sample_store, month_period("2026-08"), now=NOW)
    assert before.tracked == 0 and before.end_commit is None and before.overdue == ()


def _commit_policy(
    store_dir: Path, policy_dir: str, policy: Policy, message: str, when: str
) -> None:
    with Store.open_for_write(store_dir) as store:
        txn = store.transaction()
        txn.put(store_path(policy_dir, POLICY_FILE), policy.to_json().encode())
        txn.commit(message, datetime.fromisoformat(when))


def _current(store_dir: Path, policy_dir: str) -> Policy:
    store = Store.open(store_dir)
    data = store.git.read_blob(f"HEAD:{policy_dir}/{POLICY_FILE}")
    assert data is not None
    return Policy.from_json(data.decode())


@pytest.mark.usefixtures("in_december")
def test_reparse_commits_are_no_change(tmp_path: Path) -> None:
    store_dir, samples = build_sample_store(tmp_path)
    # An older parser had read the title differently (recorded late November)…
    old_parse = _current(store_dir, REGIONAL)
    old_parse.title = "Cryosurgical Ablation (old parser)"
    _commit_policy(
        store_dir, REGIONAL, old_parse, "Snapshot\n\nPolicywatch-Run: snapshot\n",
        "2026-11-20T06:00:00+00:00",
    )  # fmt: skip
    # …and the December parser upgrade re-normalizes it: not a policy change.
    with Store.open_for_write(store_dir) as store:
        assert reparse(store, datetime(2026, 12, 2, tzinfo=UTC)).updated == [REGIONAL]
    december = build_report(store_dir, month_period("2026-12"), now=NOW)
    assert december.policies == () and december.commits == 0

    # A real edit after the reparse is compared with the re-normalized version.
    source = samples / "policies/regional-surgery-cryoablation/2026-11.txt"
    source.write_text(source.read_text().replace("  - D. Prostate tumors\n", ""))
    assert (
        snapshot(samples / "sources-2026-11.toml", store_dir, "2026-12-10T06:00:00Z").exit_code == 3
    )
    december = build_report(store_dir, month_period("2026-12"), now=NOW)
    [changed] = december.changed
    assert changed.policy_dir == REGIONAL
    assert changed.old_commit is not None
    assert not any(c.kind == "metadata" for c in changed.changes)  # no parser noise
    assert any(c.kind == "coverage" and c.action == "removed" for c in changed.changes)
    # A new version since the review was due: no longer overdue, though its dates say 2023.
    assert december.overdue == ()
    assert changed.silent_change


@pytest.mark.usefixtures("in_december")
def test_a_review_recorded_in_the_document_clears_overdue(tmp_path: Path) -> None:
    store_dir, samples = build_sample_store(tmp_path)
    source = samples / "policies/regional-surgery-cryoablation/2026-11.txt"
    text = source.read_text().replace(
        "**Next Review:** November 2023", "**Next Review:** November 2027"
    )
    source.write_text(
        text.replace("**Last Review:** December 2022", "**Last Review:** December 2026")
    )
    snapshot(samples / "sources-2026-11.toml", store_dir, "2026-12-10T06:00:00Z")
    assert build_report(store_dir, month_period("2026-12"), now=NOW).overdue == ()


def test_a_hand_edit_that_changes_nothing_visible_is_not_listed(
    tmp_path: Path, store_templates: StoreTemplates
) -> None:
    store_dir, _ = store_templates.sample(tmp_path)
    policy = _current(store_dir, CAM)
    data = json.loads(policy.to_json())
    data["unknown_extra_key"] = 1  # the JSON moves, the policy does not
    with Store.open_for_write(store_dir) as store:
        txn = store.transaction()
        txn.put(store_path(CAM, POLICY_FILE), canonical_json(data).encode())
        txn.commit("Snapshot\n\nPolicywatch-Run: snapshot\n", datetime(2026, 12, 3, tzinfo=UTC))
    assert build_report(store_dir, month_period("2026-12"), now=NOW).policies == ()


@pytest.mark.usefixtures("in_december")
def test_a_failed_source_recorded_again_later_in_the_period(tmp_path: Path) -> None:
    store_dir, samples = build_sample_store(tmp_path)
    nice = samples / "policies/nice-htg241"
    republished = (nice / "2026-10.txt").read_text() + "\nThis guidance was checked in December.\n"
    (nice / "2026-11.txt").write_text(republished)
    assert (
        snapshot(samples / "sources-2026-11.toml", store_dir, "2026-12-02T06:00:00Z").exit_code == 0
    )
    report = build_report(store_dir, range_period("2026-11-01", "2026-12-31"), now=NOW)
    [failed] = report.failed
    assert failed.source_id == "nice-htg241"
    assert failed.recovered_at == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert NICE in dirs(report.changed)
    november = build_report(store_dir, month_period("2026-11"), now=NOW)
    assert november.failed[0].recovered_at is None

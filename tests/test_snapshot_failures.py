"""A document that fetched but did not parse: kept under failed/, never replacing
the current version; one bad policy never stops the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.model import Policy
from policywatch.snapshot import run_snapshot
from tests.store_support import assert_sound, commit_count, git, path_sources, write_docs

BINARY = b"\x00\x01\x02binary junk\xff\xfe" * 50


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    docs = write_docs(tmp_path / "docs", ["003", "004"])
    config = path_sources(tmp_path / "sources.toml", docs)
    return config, tmp_path / "store", docs


def test_unparseable_update_keeps_current_version_and_raw_bytes(
    setup: tuple[Path, Path, dict[str, Path]],
) -> None:
    config, store, docs = setup
    run_snapshot(config, store)
    folder = store / "test-payer" / "policy-004"
    good_json = (folder / "policy.json").read_bytes()
    good_raw = (folder / "source.txt").read_bytes()

    docs["policy-004"].write_bytes(BINARY)
    summary = run_snapshot(config, store)
    outcome = {o.id: o for o in summary.outcomes}["policy-004"]
    assert (outcome.status, outcome.stage) == ("failed", "parse")
    assert outcome.error == "binary data, not a text, HTML or PDF policy document"
    assert summary.exit_code == 3 and summary.commit is not None
    # current version untouched; the bytes that failed are kept beside it
    assert (folder / "policy.json").read_bytes() == good_json
    assert (folder / "source.txt").read_bytes() == good_raw
    assert (folder / "failed" / "source.txt").read_bytes() == BINARY
    error = json.loads((folder / "failed" / "error.json").read_text())
    assert error["error"] == outcome.error and error["id"] == "policy-004"
    message = git(store, "log", "-1", "--format=%B")
    assert "Failed (last version stays current):\n- policy-004" in message

    # the same failure again changes no file, but is on record for the reports
    tree = git(store, "rev-parse", "HEAD^{tree}")
    assert run_snapshot(config, store).commit is not None
    assert commit_count(store) == 3
    assert git(store, "rev-parse", "HEAD^{tree}") == tree
    assert "Policywatch-Failed: policy-004" in git(store, "log", "-1", "--format=%B")

    # fixed upstream: back to unchanged, and the failed/ area goes away
    docs["policy-004"].write_bytes(good_raw)
    summary = run_snapshot(config, store)
    assert {o.id: o.status for o in summary.outcomes}["policy-004"] == "unchanged"
    assert summary.outcomes[1].notes == ["cleared an earlier parse failure"]
    assert not (folder / "failed").exists()
    assert_sound(store)


def test_never_parsed_document_is_kept_but_is_no_policy(
    setup: tuple[Path, Path, dict[str, Path]],
) -> None:
    config, store, docs = setup
    docs["policy-003"].write_bytes(BINARY)
    summary = run_snapshot(config, store)
    assert [o.status for o in summary.outcomes] == ["failed", "added"]
    files = set(git(store, "ls-files").split())
    assert "test-payer/policy-003/failed/source.txt" in files
    assert "test-payer/policy-003/policy.json" not in files


def test_parser_crash_on_one_document_does_not_stop_the_run(
    setup: tuple[Path, Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, store, docs = setup
    import policywatch.parse as parse

    real = parse.parse_bytes

    def flaky(data: bytes) -> Policy:
        if b"NICE" in data[:3000]:
            raise KeyError("boom")
        return real(data)

    monkeypatch.setattr(parse, "parse_bytes", flaky)
    summary = run_snapshot(config, store)
    by_id = {o.id: o for o in summary.outcomes}
    assert by_id["policy-003"].status == "added"
    assert by_id["policy-004"].status == "failed"
    assert by_id["policy-004"].error == "parser error: KeyError: 'boom'"


def test_missing_local_file_is_a_failed_fetch_not_a_removal(
    setup: tuple[Path, Path, dict[str, Path]],
) -> None:
    config, store, docs = setup
    run_snapshot(config, store)
    docs["policy-003"].unlink()
    summary = run_snapshot(config, store)
    failed = summary.failed[0]
    assert (failed.id, failed.stage) == ("policy-003", "fetch")
    assert failed.error and failed.error.endswith("no such file")
    # recorded as a commit that changes no file: the policy stays as it was
    assert summary.commit is not None
    assert git(store, "diff", "--name-only", "HEAD~1", "HEAD") == ""
    assert (store / "test-payer" / "policy-003" / "policy.json").exists()


def test_a_run_with_only_failures_is_committed_and_reported(
    setup: tuple[Path, Path, dict[str, Path]],
) -> None:
    from policywatch.report import build_report, month_period
    from policywatch.store import Store, parse_instant
    from policywatch.timeline import versions

    config, store, docs = setup
    run_snapshot(config, store, as_of=parse_instant("2026-10-01T06:00:00Z"))
    # all unchanged and nothing failed: still no commit
    assert run_snapshot(config, store, as_of=parse_instant("2026-10-15")).commit is None
    assert commit_count(store) == 1

    docs["policy-003"].unlink()
    summary = run_snapshot(config, store, as_of=parse_instant("2026-11-02T06:00:00Z"))
    assert summary.commit is not None and summary.exit_code == 3
    assert git(store, "diff", "--name-only", "HEAD~1", "HEAD") == ""  # no file changed
    message = git(store, "log", "-1", "--format=%B")
    assert message.startswith("Snapshot 2026-11-02T06:00:00Z: 1 failed\n")
    assert "No policy changed; this run is recorded for its failures." in message
    assert "Policywatch-Failed: policy-003" in message

    # log: no new version of either policy
    opened = Store.open(store)
    assert len(versions(opened, "test-payer/policy-003")) == 1
    assert len(versions(opened, "test-payer/policy-004")) == 1

    # the report: no policy change, but the failure is listed
    report = build_report(store, month_period("2026-11"))
    assert report.changed == [] and report.added == []
    [failed] = report.failed
    assert (failed.source_id, failed.stage, failed.has_version) == ("policy-003", "fetch", True)
    assert failed.error.endswith("no such file")
    assert report.commits == 1
    assert build_report(store, month_period("2026-10")).failed == ()

"""`policywatch status` (issue 14): one line per source from the store's history, run log
and fetch ledger — on a store with a changed, a failing (across a month boundary), a
suspect, an overdue and a recovering source, built by back-dated runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policywatch.cli import main
from policywatch.snapshot.outcomes import LEDGER_FILE
from tests.ops_support import BCBSMA, HIGH, HIGH_SUMMARY, PAYER, login_page, sample, snapshot
from tests.ops_support import write_config as write_sources

AS_OF = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
RUNS = (
    "2026-10-30T06:00:00Z",
    "2026-10-31T06:00:00Z",
    "2026-11-01T06:00:00Z",
    "2026-11-02T06:00:00Z",
)


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("policywatch.status.now", lambda: AS_OF)


def status(config: Path, store: Path, *args: str) -> Result:
    argv = ["status", "--config", str(config), "--store", str(store), *args]
    return CliRunner().invoke(main, argv)


def build(tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    docs_dir = tmp_path / "docs"
    docs_dir.mkdir()
    texts = {
        "changed": BCBSMA,
        "failing": sample("bcbsla-00220", "2026-11"),
        "suspect": sample("cam-70175hb"),
        "overdue": sample("regional-surgery-cryoablation"),
        "recovering": sample("nice-htg241"),
    }
    docs = {}
    for name, text in texts.items():
        docs[name] = docs_dir / f"{name}.txt"
        docs[name].write_text(text, encoding="utf-8")
    entries = [
        {"id": "changed", "payer": PAYER, "path": str(docs["changed"]), "plan": "Commercial"},
        {"id": "failing", "payer": "BCBS Louisiana", "path": str(docs["failing"])},
        {"id": "suspect", "payer": "Regional Blue", "path": str(docs["suspect"])},
        {"id": "overdue", "payer": "Regional plan", "path": str(docs["overdue"]), "plan": "PPO"},
        {"id": "recovering", "payer": "NICE", "path": str(docs["recovering"])},
    ]
    config = write_sources(tmp_path / "sources.toml", entries)
    store = tmp_path / "store"

    def run(when: str, expected: int) -> None:
        result = snapshot(config, store, "--as-of", when)
        assert result.exit_code == expected, result.output

    run(RUNS[0], 0)  # everything added
    docs["failing"].unlink()
    recovering = docs["recovering"].read_bytes()
    docs["recovering"].unlink()
    run(RUNS[1], 3)  # October's last day: two fetch failures
    docs["recovering"].write_bytes(recovering)
    docs["suspect"].write_bytes(login_page())
    run(RUNS[2], 3)  # November: one recovers, one turns into a login page
    docs["changed"].write_text(HIGH, encoding="utf-8")
    run(RUNS[3], 3)  # a coverage reversal; the failing source fails a third time
    return config, store, docs


def test_status_lines_say_what_needs_a_human(tmp_path: Path, clock: None) -> None:
    config, store, docs = build(tmp_path)
    result = status(config, store)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["changed", "ok"],
        ["failing", "failing"],
        ["suspect", "suspect"],
        ["overdue", "overdue"],
        ["recovering", "ok"],
    ]
    changed, failing, suspect, overdue, recovering = lines
    assert changed == (
        "changed     ok        fetched 2026-11-02 · changed 2026-11-02 (high) · "
        f"no next review date · plan Commercial · {docs['changed']}"
    )
    assert failing == (
        "failing     failing   fetched 2026-10-30 · added 2026-10-30 · failing since "
        f"2026-10-31, 3 runs (fetch: {docs['failing']}: no such file) · next review 2027-10 · "
        f"{docs['failing']}"
    )
    assert suspect.startswith(
        "suspect     suspect   fetched 2026-10-31 · added 2026-10-30 · failing since "
        "2026-11-01, 2 runs (suspect: looks like a login page: “Sign in to Provider Portal”) · "
        "suspect pending: looks like a login page: “Sign in to Provider Portal” "
        "(policywatch snapshot --accept suspect, or wait for the real page)"
    )
    assert overdue == (
        "overdue     overdue   fetched 2026-11-02 · added 2026-10-30 · next review 2023-11, "
        f"overdue since 2023-11-01 · plan PPO · {docs['overdue']}"
    )
    assert recovering == (
        "recovering  ok        fetched 2026-11-02 · added 2026-10-30 · recovered 2026-11-01 "
        f"after 1 failed run · no next review date · {docs['recovering']}"
    )


def test_status_as_json(tmp_path: Path, clock: None) -> None:
    config, store, _ = build(tmp_path)
    result = status(config, store, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-11-03T12:00:00Z" and data["needs_human"] is True
    assert data["last_run"] == "2026-11-02T06:00:00Z"
    by_id = {s["id"]: s for s in data["sources"]}
    changed = by_id["changed"]
    assert changed["state"] == "ok" and changed["attention"] == []
    assert changed["last_change"]["severity"] == "high"
    assert changed["last_change"]["summary"] == HIGH_SUMMARY
    assert changed["last_change"]["at"] == "2026-11-02T06:00:00Z"
    assert changed["plan"] == "Commercial" and changed["payer"] == PAYER
    failing = by_id["failing"]["failing"]
    assert (failing["runs"], failing["since"], failing["last"]) == (
        3,
        "2026-10-31T06:00:00Z",
        "2026-11-02T06:00:00Z",
    )
    assert failing["stage"] == "fetch" and failing["recovered_at"] is None
    assert by_id["failing"]["last_ok"] == "2026-10-30T06:00:00Z"
    suspect = by_id["suspect"]
    assert suspect["attention"] == ["suspect", "failing"]
    assert suspect["pending"]["stage"] == "suspect"
    assert by_id["overdue"]["overdue"] is True and by_id["overdue"]["overdue_since"] == "2023-11-01"
    recovering = by_id["recovering"]
    assert recovering["needs_human"] is False and recovering["failing"] is None
    assert recovering["last_failure"]["recovered_at"] == "2026-11-01T06:00:00Z"


def test_last_good_fetch_comes_from_the_ledger_then_from_history(
    tmp_path: Path, clock: None
) -> None:
    config, store, _ = build(tmp_path)
    result = snapshot(config, store)  # today: no change, the same failures again
    assert result.exit_code == 3
    data = json.loads(status(config, store, "--format", "json").stdout)
    today = {s["id"]: s["last_ok"] for s in data["sources"]}
    assert today["failing"] == "2026-10-30T06:00:00Z"
    assert today["overdue"] == data["last_run"] != "2026-11-02T06:00:00Z"
    # a copied store has no ledger: the last snapshot run that did not fail the source
    (store / ".git" / "policywatch" / LEDGER_FILE).unlink()
    data = json.loads(status(config, store, "--format", "json").stdout)
    fallback = {s["id"]: s["last_ok"] for s in data["sources"]}
    assert fallback["failing"] == "2026-10-30T06:00:00Z"
    assert fallback["suspect"] == "2026-10-31T06:00:00Z"


def test_a_healthy_store_exits_zero_and_a_new_source_is_new(tmp_path: Path, clock: None) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text(BCBSMA, encoding="utf-8")
    config = write_sources(tmp_path / "sources.toml", [{"id": "a", "payer": "P", "path": str(doc)}])
    store = tmp_path / "store"
    assert snapshot(config, store, "--as-of", RUNS[0]).exit_code == 0
    result = status(config, store)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("a  ok        fetched 2026-10-30 · added 2026-10-30 · ")
    later = tmp_path / "b.txt"
    later.write_text(BCBSMA, encoding="utf-8")
    entries = [
        {"id": "a", "payer": "P", "path": str(doc)},
        {"id": "b", "payer": "P", "path": str(later)},
    ]
    write_sources(config, entries)
    result = status(config, store)
    assert result.exit_code == 0
    assert (
        result.stdout.splitlines()[1]
        == f"b  new       never fetched · no version yet · no next review date · {later}"
    )


def test_a_failure_across_the_year_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs dated after today: the run clock is set forward (policywatch.snapshot.run.now)."""
    monkeypatch.setattr("policywatch.snapshot.run.now", lambda: datetime(2027, 1, 3, tzinfo=UTC))
    monkeypatch.setattr("policywatch.status.now", lambda: datetime(2027, 1, 3, tzinfo=UTC))
    doc = tmp_path / "a.txt"
    doc.write_text(BCBSMA, encoding="utf-8")
    config = write_sources(tmp_path / "sources.toml", [{"id": "a", "payer": "P", "path": str(doc)}])
    store = tmp_path / "store"
    assert snapshot(config, store, "--as-of", "2026-12-30").exit_code == 0
    doc.unlink()
    for when in ("2026-12-31", "2027-01-01", "2027-01-02"):
        assert snapshot(config, store, "--as-of", when).exit_code == 3
    result = status(config, store)
    assert result.exit_code == 1
    assert "failing since 2026-12-31, 3 runs (fetch: " in result.stdout
    assert "fetched 2026-12-30" in result.stdout


def test_status_without_a_store_is_an_error(tmp_path: Path) -> None:
    config = write_sources(tmp_path / "sources.toml", [{"id": "a", "payer": "P", "path": "a.txt"}])
    result = status(config, tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "no policywatch store here" in result.output


def test_status_help_documents_the_exit_code() -> None:
    result = CliRunner().invoke(main, ["status", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Exit status: 0 nothing needs a human; 1 something does" in text
    assert "policywatch status --format json" in text

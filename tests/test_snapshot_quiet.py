"""`snapshot --quiet` (issue 14): silent on a night when nothing changed and nothing failed
(cron mails nothing), and otherwise a short summary naming each changed policy (payer,
title, highest severity, the top change) and each failed source with how long it has
been failing."""

from __future__ import annotations

from pathlib import Path

from tests.ops_support import BCBSMA, HIGH, HIGH_SUMMARY, PAYER, TITLE, login_page, snapshot
from tests.ops_support import write_config as write_sources
from tests.store_support import cli, commit_count

NIGHTS = (
    "2026-11-01T02:15:00Z",
    "2026-11-02T02:15:00Z",
    "2026-11-03T02:15:00Z",
    "2026-11-04T02:15:00Z",
)


def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    doc = tmp_path / "bcbsma.txt"
    doc.write_text(BCBSMA, encoding="utf-8")
    config = write_sources(
        tmp_path / "sources.toml", [{"id": "bcbsma-633", "payer": PAYER, "path": str(doc)}]
    )
    return config, tmp_path / "store", doc


def test_the_silent_night_prints_nothing(tmp_path: Path) -> None:
    config, store, _ = setup(tmp_path)
    first = snapshot(config, store, "--as-of", NIGHTS[0], "--quiet")
    assert first.exit_code == 0
    assert first.stdout == (
        f"snapshot {NIGHTS[0]}: 1 sources: 1 added, 0 changed, 0 unchanged, 0 failed; "
        f"commit {first.stdout.split('commit ')[1][:12]}\n"
        f"added: {PAYER} · {TITLE} (bcbsma-633)\n"
    )
    silent = snapshot(config, store, "--as-of", NIGHTS[1], "--quiet")
    assert (silent.exit_code, silent.stdout, silent.stderr) == (0, "", "")
    as_json = snapshot(config, store, "--as-of", NIGHTS[2], "--quiet", "--format", "json")
    assert (as_json.exit_code, as_json.stdout, as_json.stderr) == (0, "", "")
    # without --quiet the same night still says so
    loud = snapshot(config, store, "--as-of", NIGHTS[3])
    assert "0 added, 0 changed, 1 unchanged, 0 failed; no commit (nothing changed)" in loud.stdout


def test_a_quiet_run_from_cron_prints_nothing_at_all(tmp_path: Path) -> None:
    config, store, _ = setup(tmp_path)
    args = ("snapshot", "--config", str(config), "--store", str(store), "--quiet")
    assert cli(*args, "--as-of", NIGHTS[0]).returncode == 0
    night = cli(*args)
    assert (night.returncode, night.stdout, night.stderr) == (0, "", "")


def test_the_change_night_names_the_policy(tmp_path: Path) -> None:
    config, store, doc = setup(tmp_path)
    assert snapshot(config, store, "--as-of", NIGHTS[0], "--quiet").exit_code == 0
    doc.write_text(HIGH, encoding="utf-8")
    result = snapshot(config, store, "--as-of", NIGHTS[1], "--quiet")
    assert result.exit_code == 0
    header, line = result.stdout.splitlines()
    assert header.startswith(f"snapshot {NIGHTS[1]}: 1 sources: 0 added, 1 changed, 0 unchanged")
    assert line == f"changed: {PAYER} · {TITLE} (bcbsma-633): high: {HIGH_SUMMARY} (+3 more)"
    assert result.stderr == ""


def test_the_failure_night_says_how_long(tmp_path: Path) -> None:
    config, store, doc = setup(tmp_path)
    assert snapshot(config, store, "--as-of", NIGHTS[0], "--quiet").exit_code == 0
    doc.unlink()
    first = snapshot(config, store, "--as-of", NIGHTS[1], "--quiet")
    assert first.exit_code == 3
    failed = f"failed: {PAYER} · {TITLE} (bcbsma-633): fetch: {doc}: no such file"
    assert first.stdout.splitlines()[1:] == [f"{failed}; first failed run"]
    assert first.stderr == ""  # all of it on standard output: cron mails it once
    second = snapshot(config, store, "--as-of", NIGHTS[2], "--quiet")
    assert second.exit_code == 3
    assert second.stdout.splitlines()[1:] == [
        f"{failed}; failing for 2 runs since 2026-11-02 (1 day)"
    ]
    doc.write_text(BCBSMA, encoding="utf-8")
    back = snapshot(config, store, "--as-of", NIGHTS[3], "--quiet")
    assert back.exit_code == 0
    assert back.stdout.splitlines()[1:] == ["recovered: bcbsma-633"]
    assert commit_count(store) == 4


def test_a_suspect_night_says_what_to_do(tmp_path: Path) -> None:
    config, store, doc = setup(tmp_path)
    assert snapshot(config, store, "--as-of", NIGHTS[0], "--quiet").exit_code == 0
    doc.write_bytes(login_page())
    result = snapshot(config, store, "--as-of", NIGHTS[1], "--quiet")
    assert result.exit_code == 3
    [line] = result.stdout.splitlines()[1:]
    assert line.startswith(f"suspect: {PAYER} · {TITLE} (bcbsma-633): looks like a login page")
    assert line.endswith(
        "; first failed run; if the document is right: policywatch snapshot --accept bcbsma-633"
    )

"""`policywatch report`: options, default output path, store resolution, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.report_store import StoreTemplates, report_cli


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> Path:
    return store_templates.sample(tmp_path_factory.mktemp("cli"))[0]


def test_month_report_goes_to_reports_by_default(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = report_cli("--month", "2026-11", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert result.output == "Report for November 2026 written to reports/2026-11.html\n"
    page = (tmp_path / "reports" / "2026-11.html").read_text(encoding="utf-8")
    assert "<h1>Policy changes, November 2026</h1>" in page


def test_store_from_the_environment_and_a_range_as_csv(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POLICYWATCH_STORE", str(store))
    result = report_cli("--since", "2026-10-01", "--until", "2026-11-15", "--format", "csv")
    assert result.exit_code == 0, result.output
    target = tmp_path / "reports" / "2026-10-01_2026-11-15.csv"
    assert (
        result.output
        == f"Report for 2026-10-01 to 2026-11-15 written to {target.relative_to(tmp_path)}\n"
    )
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfpayer,policy,kind,")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    # one row per change (text changes that only repeat one are folded into it)
    assert len(rows) > 5 and all(len(row) == 14 for row in rows)
    assert rows[0][-4:] == ["reverted_at", "source_id", "plan", "url"]


def test_output_file_and_json(store: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "nested" / "november.json"
    result = report_cli(
        "--month", "2026-11", "--store", str(store), "--format", "json", "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Report for November 2026 written to {target}\n"
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["changed"] == 3


def test_default_store_is_snapshots_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POLICYWATCH_STORE", raising=False)
    result = report_cli("--month", "2026-11")
    assert result.exit_code == 2
    assert result.output == (
        "Error: snapshots: no policywatch store here (run `policywatch snapshot` first)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "Error: --month '2026-13': expected YYYY-MM, e.g. 2026-11"),
        (["--month", "Nov"], "Error: --month 'Nov': expected YYYY-MM, e.g. 2026-11"),
        (["--since", "2026-11-31", "--until", "2026-12-01"],
         "Error: --since '2026-11-31': expected a date YYYY-MM-DD"),
        (["--since", "2026-11-15", "--until", "2026-11-01"],
         "Error: --until 2026-11-01 is before --since 2026-11-15"),
    ],
)  # fmt: skip
def test_bad_periods(store: Path, args: list[str], message: str) -> None:
    result = report_cli(*args, "--store", str(store))
    assert result.exit_code == 2
    assert result.output == message + "\n"


@pytest.mark.parametrize(
    "args",
    [[], ["--since", "2026-11-01"], ["--month", "2026-11", "--since", "2026-11-01"]],
)
def test_period_is_required_once(store: Path, args: list[str]) -> None:
    result = report_cli(*args, "--store", str(store))
    assert result.exit_code == 2
    assert "Error: give --month" in result.output


def test_unwritable_output(store: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = report_cli("--month", "2026-11", "--store", str(store), "-o", str(blocker / "r.html"))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {blocker / 'r.html'}: cannot write the report: ")


def test_help_has_an_example() -> None:
    result = report_cli("--help")
    assert result.exit_code == 0
    assert "policywatch report --month 2026-11" in result.output
    assert "--format [html|json|csv|xlsx]" in result.output

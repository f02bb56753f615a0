"""The report's sources and spreadsheets: plan and URL in every output, the xlsx read back
with openpyxl (typed cells), the CSV's new columns, and text changes that only restate
a semantic change folded into it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from policywatch.cli import main
from policywatch.render import CSV_COLUMNS, render_report, report_csv, report_json, report_xlsx
from policywatch.render.csv import TEXT_CELL
from policywatch.report import Report, build_report, month_period
from tests.portfolio_store import PLANS, build_plan_store
from tests.report_store import (
    BCBSLA,
    BCBSMA,
    CAM,
    HOSTILE_PAYER,
    NICE,
    REGIONAL,
    build_hostile_store,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_plan_store(tmp_path_factory.mktemp("sheets"))[0]


@pytest.fixture(scope="module")
def november(store: Path) -> Report:
    return build_report(store, month_period("2026-11"), now=NOW)


def rows_of(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


# -- folded restatements ------------------------------------------------------------------------


def test_text_changes_that_repeat_a_change_above_are_folded_not_counted(november: Report) -> None:
    by_dir = {p.policy_dir: p for p in november.changed}
    # CAM: the coding section lost CPT 76940's line — the code change, said again.
    cam = by_dir[CAM]
    assert [c.kind for c in cam.changes] == ["code"]
    [(restated)] = cam.restated
    assert restated.change.field == "sections[Coding Section]"
    assert [c.field for c in restated.restates] == ["codes[CPT 76940]"]
    assert cam.headline.startswith("CPT 76940 removed") and "more" not in cam.headline
    # Massachusetts: the statement's section and the history section repeat the flip and the row.
    bcbsma = by_dir[BCBSMA]
    assert [c.kind for c in bcbsma.changes] == ["coverage", "history"]
    assert len(bcbsma.restated) == 2
    # Louisiana: three sections repeat dates, counts and history rows; the new background
    # paragraph is wording of its own and stays a change.
    bcbsla = by_dir[BCBSLA]
    assert len(bcbsla.restated) == 3
    [text] = [c for c in bcbsla.changes if c.kind == "text"]
    assert text.field == "sections[Liver Metastases]"
    assert november.kind_counts["text"] == 1
    assert sum(november.severity_counts.values()) == len(november.all_changes) == 9


def test_the_html_lists_restatements_apart_and_the_json_names_what_they_repeat(
    november: Report,
) -> None:
    html = render_report(november)
    assert "only repeat the changes above (not counted)" in html
    assert "repeats: CPT 76940 removed" in html
    data = json.loads(report_json(november))
    cam = next(p for p in data["changed"] if p["policy_dir"] == CAM)
    assert cam["restated"] == [
        {
            "field": "sections[Coding Section]",
            "summary": "Section 'Coding Section': 0 words added, 10 removed",
            "restates": ["codes[CPT 76940]"],
        }
    ]
    assert data["summary"]["changes_by_kind"]["text"] == 1
    assert len(cam["diff"]["changes"]) == 2  # the diff itself stays whole


# -- plan and source everywhere -----------------------------------------------------------------


def test_json_names_source_id_plan_and_url_of_every_entry(november: Report) -> None:
    data = json.loads(report_json(november))
    for entry in data["changed"] + data["coverage_status_changes"]:
        source_id = entry["source_id"]
        assert entry["plan"] == PLANS[source_id]
        assert entry["source"].endswith(f"policies/{source_id}/2026-11.txt")
    [failed] = data["failed_sources"]
    assert (failed["source_id"], failed["plan"]) == ("nice-htg241", "NHS England")
    assert failed["policy_dir"] == NICE
    [overdue] = data["overdue_reviews"]
    assert (overdue["source_id"], overdue["plan"]) == (
        "regional-surgery-cryoablation",
        "Individual (ACA)",
    )
    assert overdue["policy_dir"] == REGIONAL and overdue["source"].endswith("2026-11.txt")


def test_html_shows_plans_and_sources(november: Report) -> None:
    html = render_report(november)
    for plan in ("Commercial PPO", "Medicare Advantage", "Commercial HMO", "Individual (ACA)"):
        assert plan in html
    assert "<dt>Plan</dt><dd>Commercial PPO</dd>" in html
    assert "<dt>Source id</dt><dd><code>bcbsla-00220</code></dd>" in html
    assert "policies/bcbsla-00220/2026-11.txt</code>" in html


def test_csv_has_source_plan_url_and_severity_columns(november: Report) -> None:
    rows = rows_of(report_csv(november))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {"source_id", "plan", "url", "severity"} <= set(CSV_COLUMNS)
    assert len(rows) == 9  # one per counted change: no restatement rows
    bcbsla = [r for r in rows if r["source_id"] == "bcbsla-00220"]
    assert {r["plan"] for r in bcbsla} == {"Commercial PPO"}
    assert all(r["url"].endswith("policies/bcbsla-00220/2026-11.txt") for r in bcbsla)
    # A spreadsheet would read 00220 as the number 220: it is written as text.
    assert {r["policy"] for r in bcbsla} == {'="00220"'}
    assert {r["severity"] for r in bcbsla} == {"medium", "low"}
    [cam] = [r for r in rows if r["source_id"] == "cam-70175hb"]
    assert (cam["policy"], cam["severity"], cam["kind"]) == ("CAM 70175HB", "high", "code")


def test_csv_text_change_cells_hold_the_changed_words_bounded(november: Report) -> None:
    [text] = [r for r in rows_of(report_csv(november)) if r["kind"] == "text"]
    assert text["field"] == "sections[Liver Metastases]"
    assert text["before"] == ""
    assert text["after"].startswith("Cryoablation freezes tumor tissue with a probe")
    assert len(text["after"]) <= TEXT_CELL and text["after"].endswith("…")
    assert "Hepatic tumors can be due to" not in text["after"]  # not the whole section


# -- xlsx -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(november: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "november.xlsx"
    path.write_bytes(report_xlsx(november))
    return path


def sheet_rows(path: Path, name: str) -> list[dict[str, object]]:
    sheet = load_workbook(path)[name]
    header = [cell.value for cell in sheet[1]]
    return [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]


def test_xlsx_has_a_sheet_of_changes_of_failed_sources_and_of_overdue_reviews(
    workbook: Path,
) -> None:
    book = load_workbook(workbook)
    assert book.sheetnames == ["Changes", "Failed sources", "Overdue reviews"]
    changes = book["Changes"]
    assert [c.value for c in changes[1]] == list(CSV_COLUMNS)
    assert changes.max_row == 1 + 9
    assert changes.freeze_panes == "A2"


def test_xlsx_keeps_ids_as_text_and_dates_as_dates(workbook: Path) -> None:
    sheet = load_workbook(workbook)["Changes"]
    header = [cell.value for cell in sheet[1]]
    column = {name: i for i, name in enumerate(header)}
    bcbsla = [
        row
        for row in sheet.iter_rows(min_row=2)
        if row[column["source_id"]].value == "bcbsla-00220"
    ]
    assert bcbsla
    policy = bcbsla[0][column["policy"]]
    assert (policy.value, policy.data_type, policy.number_format) == ("00220", "s", "@")
    recorded = bcbsla[0][column["recorded_at"]]
    assert recorded.value == datetime(2026, 11, 2, 6, 0)
    assert recorded.is_date and recorded.number_format == "yyyy-mm-dd hh:mm"
    assert bcbsla[0][column["plan"]].value == "Commercial PPO"

    [failed] = sheet_rows(workbook, "Failed sources")
    assert failed["source_id"] == "nice-htg241" and failed["plan"] == "NHS England"
    assert failed["failures"] == 1 and isinstance(failed["failures"], int)
    assert failed["has_version"] is True
    assert failed["last_failed_at"] == datetime(2026, 11, 2, 6, 0)

    overdue_sheet = load_workbook(workbook)["Overdue reviews"]
    [overdue] = sheet_rows(workbook, "Overdue reviews")
    assert overdue["source_id"] == "regional-surgery-cryoablation"
    assert overdue["next_review"] == datetime(2023, 11, 1, 0, 0)  # a date; no day is shown
    due = overdue_sheet.cell(row=2, column=6)
    assert due.is_date and due.number_format == "yyyy-mm"
    assert overdue["url"].endswith("regional-surgery-cryoablation/2026-11.txt")


def test_xlsx_never_makes_a_formula_of_document_text(tmp_path: Path) -> None:
    hostile = build_report(build_hostile_store(tmp_path), month_period("2026-11"), now=NOW)
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(report_xlsx(hostile))
    sheet = load_workbook(path)["Changes"]
    payers = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert payers and all(cell.data_type == "s" for cell in payers)
    assert {cell.value for cell in payers} == {HOSTILE_PAYER}
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row), (
        "a cell was written as a formula"
    )


def test_report_cli_writes_xlsx_by_default_under_reports(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["report", "--month", "2026-11", "--store", str(store), "--format", "xlsx"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output == "Report for November 2026 written to reports/2026-11.xlsx\n"
    book = load_workbook(tmp_path / "reports" / "2026-11.xlsx")
    assert book["Overdue reviews"].cell(row=2, column=1).value == "regional-surgery-cryoablation"
    assert book["Changes"].cell(row=1, column=1).value == "payer"
    assert isinstance(book["Overdue reviews"].cell(row=2, column=6).value, datetime)
    assert date(2023, 11, 1) == book["Overdue reviews"].cell(row=2, column=6).value.date()

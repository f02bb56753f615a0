"""JSON and CSV exports: the same content as the HTML, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from policywatch.render import CSV_COLUMNS, report_csv, report_json, safe_cell, side_text
from policywatch.report import Report, build_report, month_period
from tests.report_store import (
    BCBSMA,
    CAM,
    HOSTILE_PAYER,
    NICE,
    REGIONAL,
    StoreTemplates,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def november(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> Report:
    store, _ = store_templates.sample(tmp_path_factory.mktemp("export"))
    return build_report(store, month_period("2026-11"), now=NOW)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> Report:
    store = store_templates.hostile(tmp_path_factory.mktemp("hostile"))
    return build_report(store, month_period("2026-11"), now=NOW)


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_json_has_the_summary_and_one_object_per_changed_policy(november: Report) -> None:
    data = json.loads(report_json(november))
    assert data["period"] == {"label": "2026-11", "since": "2026-11-01", "until": "2026-11-30"}
    assert data["summary"]["tracked"] == 5
    assert (data["summary"]["changed"], data["summary"]["added"]) == (3, 0)
    assert (data["summary"]["failed"], data["summary"]["overdue"]) == (1, 1)
    assert data["summary"]["policies_by_severity"] == {"high": 2, "medium": 1, "low": 0}
    assert data["generated_at"] == "2026-12-01T09:00:00Z"
    changed = {p["policy_dir"]: p for p in data["changed"]}
    assert list(changed) == [BCBSMA, CAM, "blue-cross-and-blue-shield-of-louisiana/bcbsla-00220"]
    cam = changed[CAM]
    assert cam["diff"]["silent_change"] is True
    assert cam["diff"]["changes"][0]["summary"].startswith("CPT 76940 removed")
    assert cam["old_commit"] and cam["new_commit"] and cam["source"].endswith("2026-11.txt")
    assert cam["recorded_at"] == "2026-11-02T06:00:00Z"
    assert data["silent_changes"] == [CAM]
    assert [c["policy_dir"] for c in data["coverage_status_changes"]] == [BCBSMA]
    assert [f["source_id"] for f in data["failed_sources"]] == ["nice-htg241"]
    assert data["failed_sources"][0]["policy_dir"] == NICE
    assert [o["policy_dir"] for o in data["overdue_reviews"]] == [REGIONAL]
    assert data["overdue_reviews"][0]["next_review"] == "2023-11"


def test_csv_opens_with_the_right_columns_one_row_per_change(november: Report) -> None:
    text = report_csv(november)
    assert text.startswith("\ufeffpayer,policy,kind,action,severity,field,before,after,summary,")
    rows = read_csv(text)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(len(p.changes) for p in november.changed)
    [removed] = [r for r in rows if r["kind"] == "code"]
    assert removed["policy"] == "CAM 70175HB"
    assert removed["payer"] == "Regional Blue plan (CAM series)"
    assert (removed["action"], removed["severity"]) == ("removed", "high")
    assert removed["field"] == "codes[CPT 76940]"
    assert removed["before"].startswith("system: CPT; code: 76940; description: Ultrasound")
    assert removed["after"] == ""
    assert removed["recorded_at"] == "2026-11-02T06:00:00Z"
    [effective] = [r for r in rows if r["field"] == "dates.effective"]
    assert (effective["before"], effective["after"]) == ("2024-07-08", "2026-11-03")


def test_csv_lists_added_policies_too(tmp_path: Path, store_templates: StoreTemplates) -> None:
    store, _ = store_templates.sample(tmp_path)
    rows = read_csv(report_csv(build_report(store, month_period("2026-10"), now=NOW)))
    assert [(r["kind"], r["action"], r["policy"]) for r in rows] == [("policy", "added", "HTG241")]


def test_csv_neutralises_formula_cells(hostile: Report) -> None:
    rows = read_csv(report_csv(hostile))
    assert rows and all(r["payer"] == "'" + HOSTILE_PAYER for r in rows)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("CPT 76940", "CPT 76940"),
        ("2026-11-03", "2026-11-03"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_safe_cell(value: str, expected: str) -> None:
    assert safe_cell(value) == expected


def test_long_cells_are_capped_for_spreadsheets() -> None:
    assert len(safe_cell("x" * 40_000)) == 32_000


def test_side_text() -> None:
    assert side_text(None) == ""
    assert side_text({"effective": "2024-07-08"}) == "2024-07-08"
    assert side_text({"status": "investigational", "text": None}) == "investigational"
    assert side_text({"code": "17260-17286", "range": ["17260", "17286"]}) == (
        "code: 17260-17286; range: 17260–17286"
    )

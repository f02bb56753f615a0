"""Choosing the output: a format name → the text (or, for xlsx, the bytes), and where a
report goes by default."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from policywatch.diff import DiffResult
from policywatch.errors import PolicywatchError
from policywatch.render.csv import report_csv
from policywatch.render.html import render_html, render_report
from policywatch.render.json import render_json, report_json
from policywatch.render.text import render_text
from policywatch.render.xlsx import report_xlsx

if TYPE_CHECKING:  # the report is data this module reads; importing it would load the store
    from policywatch.report.model import Report
    from policywatch.report.period import Period

DIFF_FORMATS = ("text", "json", "html")
FORMATS = ("html", "json", "csv", "xlsx")  # the report's
DEFAULT_DIR = Path("reports")


def diff_output(result: DiffResult, fmt: str, color: bool = False) -> str:
    """``diff --format``: text (``color``: ANSI styles), json or html."""
    if fmt == "json":
        return render_json(result)
    if fmt == "html":
        return render_html(result)
    return render_text(result, color=color)


def report_output(report: Report, fmt: str) -> str | bytes:
    """``report --format``: html, json or csv text, or an xlsx workbook's bytes."""
    if fmt == "json":
        return report_json(report)
    if fmt == "csv":
        return report_csv(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    return render_report(report)


def default_output(period: Period, fmt: str) -> Path:
    """``reports/2026-11.html``, ``reports/2026-10-01_2026-11-15.csv``…"""
    return DEFAULT_DIR / f"{period.label}.{fmt}"


def write(path: Path, text: str | bytes) -> None:
    """Write the report, creating its folder; newline="" keeps the CSV's CRLF rows as they
    are; bytes (a workbook) are written as they are."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
            return
        with path.open("w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as exc:
        raise PolicywatchError(f"{path}: cannot write the report: {exc.strerror}") from exc

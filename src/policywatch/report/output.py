"""Choosing the output: format → text, and where it goes by default."""

from __future__ import annotations

from pathlib import Path

from policywatch.errors import PolicywatchError
from policywatch.report.export import report_csv, report_json
from policywatch.report.html import render_report
from policywatch.report.model import Report
from policywatch.report.period import Period

FORMATS = ("html", "json", "csv")
DEFAULT_DIR = Path("reports")


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return report_json(report)
    if fmt == "csv":
        return report_csv(report)
    return render_report(report)


def default_output(period: Period, fmt: str) -> Path:
    """``reports/2026-11.html``, ``reports/2026-10-01_2026-11-15.csv``…"""
    return DEFAULT_DIR / f"{period.label}.{fmt}"


def write(path: Path, text: str) -> None:
    """Write the report, creating its folder; newline="" keeps the CSV's CRLF rows as they are."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as exc:
        raise PolicywatchError(f"{path}: cannot write the report: {exc.strerror}") from exc

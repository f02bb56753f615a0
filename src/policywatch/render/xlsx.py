"""The report as a spreadsheet (``report --format xlsx``): typed cells, one sheet each
for the changes, the failed sources and the overdue reviews.

Typed as a compliance analyst filters and sorts them: identifiers (source ids,
policy numbers, codes, commits) are text, never numbers (``00220`` stays
``00220``); moments are date-times in UTC; a document's date is a date shown at the
precision the document gives (``2023-11`` is November 2023, formatted ``yyyy-mm``,
no day invented on screen); counts are numbers. Text from documents is only ever
text: a cell starting with ``=`` is written as a string, never a formula, and
characters a workbook cannot hold are dropped.

The changes sheet has the CSV's rows and columns (:func:`.csv.change_rows`).
openpyxl is imported when a workbook is written, so every other command starts
without it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from policywatch.errors import PolicywatchError
from policywatch.render.csv import CSV_COLUMNS, MAX_CELL, change_rows

if TYPE_CHECKING:  # the report is data this module reads; importing it would load the store
    from policywatch.report.model import FailedSource, OverdueReview, Report

SHEETS = ("Changes", "Failed sources", "Overdue reviews")
TEXT_FORMAT = "@"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMATS = {1: "yyyy", 2: "yyyy-mm", 3: "yyyy-mm-dd"}  # by the document's precision
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | id | moment | day | number | flag


def _change_column(name: str) -> Column:
    if name in ("recorded_at", "reverted_at"):
        return Column(name, "moment")
    return Column(name, "id" if name in ("policy", "source_id") else "text")


CHANGE_COLUMNS = tuple(_change_column(name) for name in CSV_COLUMNS)
FAILED_COLUMNS = (
    Column("source_id", "id"),
    Column("payer"),
    Column("plan"),
    Column("title"),
    Column("stage"),
    Column("error"),
    Column("failures", "number"),
    Column("failures_in_period", "number"),
    Column("first_failed_at", "moment"),
    Column("last_failed_at", "moment"),
    Column("recovered_at", "moment"),
    Column("has_version", "flag"),
    Column("url"),
    Column("policy_dir", "id"),
    Column("last_commit", "id"),
)
OVERDUE_COLUMNS = (
    Column("source_id", "id"),
    Column("payer"),
    Column("plan"),
    Column("policy_number", "id"),
    Column("title"),
    Column("next_review", "day"),
    Column("last_revised", "day"),
    Column("url"),
    Column("policy_dir", "id"),
    Column("commit", "id"),
)


def report_xlsx(report: Report) -> bytes:
    """The workbook's bytes."""
    try:
        from openpyxl import Workbook
    except ModuleNotFoundError as exc:  # pragma: no cover - a dependency of the package
        raise PolicywatchError("the xlsx format needs openpyxl: pip install openpyxl") from exc
    book = Workbook()
    changes = book.active
    changes.title = SHEETS[0]
    _fill(changes, CHANGE_COLUMNS, change_rows(report))
    _fill(book.create_sheet(SHEETS[1]), FAILED_COLUMNS, [_failed(f) for f in report.failed])
    _fill(book.create_sheet(SHEETS[2]), OVERDUE_COLUMNS, [_overdue(o) for o in report.overdue])
    book.properties.title = f"Medical policy changes, {report.period.title}"
    book.properties.creator = "policywatch"
    moment = _naive(report.generated_at)
    book.properties.created = book.properties.modified = moment
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _failed(failed: FailedSource) -> dict[str, Any]:
    return {
        "source_id": failed.source_id,
        "payer": failed.payer,
        "plan": failed.plan,
        "title": failed.title,
        "stage": failed.stage,
        "error": failed.error,
        "failures": failed.failures,
        "failures_in_period": failed.failures_in_period,
        "first_failed_at": failed.first_failed_at,
        "last_failed_at": failed.last_failed_at,
        "recovered_at": failed.recovered_at,
        "has_version": failed.has_version,
        "url": failed.source,
        "policy_dir": failed.policy_dir,
        "last_commit": failed.last_commit,
    }


def _overdue(overdue: OverdueReview) -> dict[str, Any]:
    return {
        "source_id": overdue.source_id,
        "payer": overdue.payer,
        "plan": overdue.plan,
        "policy_number": overdue.policy_number,
        "title": overdue.title,
        "next_review": overdue.next_review,
        "last_revised": overdue.last_revised,
        "url": overdue.source,
        "policy_dir": overdue.policy_dir,
        "commit": overdue.commit,
    }


def _fill(sheet: Any, columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths = [len(c.name) for c in columns]
    for n, column in enumerate(columns, start=1):
        header = sheet.cell(row=1, column=n, value=column.name)
        header.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for n, column in enumerate(columns, start=1):
            shown = _put(sheet.cell(row=r, column=n), column, row.get(column.name))
            widths[n - 1] = max(widths[n - 1], min(shown, _MAX_WIDTH))
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width + 2
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions


def _put(cell: Any, column: Column, value: Any) -> int:
    """Write one typed value; returns about how wide it shows."""
    if value is None or value == "":
        if column.kind == "id":
            cell.number_format = TEXT_FORMAT
        return 0
    if column.kind == "moment" and isinstance(value, datetime):
        cell.value = _naive(value)
        cell.number_format = MOMENT_FORMAT
        return len(MOMENT_FORMAT)
    if column.kind == "day" and (day := _day(str(value))) is not None:
        cell.value, cell.number_format = day
        return len(cell.number_format)
    if column.kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        cell.value = value
        return len(str(value))
    if column.kind == "flag" and isinstance(value, bool):
        cell.value = value
        return 5
    text = _clean(str(value))
    cell.value = text
    cell.data_type = "s"  # a string, even when it starts with "=": never a formula
    if column.kind == "id":
        cell.number_format = TEXT_FORMAT  # and typed over later, still text
    return len(text)


def _naive(moment: datetime) -> datetime:
    """Workbooks hold no time zones: the moment in UTC, without its offset."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _day(text: str) -> tuple[date, str] | None:
    """A document date as (first day, the format showing its precision), or None."""
    match = _PARTIAL.match(text.strip())
    if not match:
        return None
    parts = [int(p) for p in match.groups() if p]
    try:
        day = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return None
    return day, DATE_FORMATS[len(parts)]


def _clean(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"

"""CSV: the report as one row per change, for spreadsheets.

UTF-8 with a byte-order mark (so Excel reads the accents right), and any cell
that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or
a carriage return) gets a leading apostrophe. Policy text is untrusted; a
citation beginning ``=HYPERLINK(`` must stay text.

Every row names its source (``source_id``, ``plan``, ``url``: the URL or path the
sources config gave). An identifier a spreadsheet would read as a number and lose
digits of (policy ``00220``, an id of 16 digits or more) is written ``="00220"``,
which spreadsheets show as the text ``00220``; only all-digit values are, so
nothing from a document becomes a formula. A text change's cells hold the words
it removed and added, not whole sections (:data:`TEXT_CELL` characters at most).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from policywatch.diff import Change
from policywatch.render.labels import iso, library_title

if TYPE_CHECKING:  # the report is data this module reads; importing it would load the store
    from policywatch.report.model import LibraryItem, PolicyChange, Report

CSV_COLUMNS = (
    "payer",
    "policy",
    "kind",
    "action",
    "severity",
    "field",
    "before",
    "after",
    "summary",
    "recorded_at",
    "reverted_at",
    "source_id",
    "plan",
    "url",
)
# Columns holding identifiers a spreadsheet must not turn into numbers.
ID_COLUMNS = frozenset({"policy", "source_id"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# Spreadsheets cap a cell at 32,767 characters; whole sections can be longer.
MAX_CELL = 32_000
# A text change's removed / added words in one cell: enough to recognise the edit.
TEXT_CELL = 300
_LOSSY_NUMBER = re.compile(r"^(?:0\d+|\d{16,})$")


def report_csv(report: Report) -> str:
    """One row per change of a changed policy (its net changes, then those reverted
    within the period, with ``reverted_at``), then one ``policy / added`` row per
    added one."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in change_rows(report):
        writer.writerow([_csv_cell(name, row[name]) for name in CSV_COLUMNS])
    return BOM + out.getvalue()


def change_rows(report: Report) -> list[dict[str, Any]]:
    """The rows of the CSV (and of the xlsx's changes sheet) as values: strings, and
    datetimes for ``recorded_at`` / ``reverted_at`` (None when empty)."""
    rows = []
    for policy in report.changed:
        rows += [_change_row(policy, change) for change in policy.changes]
        for reverted in policy.reverted:
            row = _change_row(policy, reverted.change, reverted.changed_at)
            row["reverted_at"] = reverted.reverted_at
            rows.append(row)
    rows += [_added_row(policy) for policy in report.added]
    rows += [_library_row(lib.payer, item) for lib in report.library for item in lib.items]
    return rows


def _library_row(payer: str, item: LibraryItem) -> dict[str, Any]:
    """A policy library change (kind ``library``: new, retired or renamed in an index)."""
    named = library_title(item.title, item.was)
    return {
        "payer": payer,
        "policy": item.number or item.title,
        "kind": "library",
        "action": item.action,
        "severity": item.severity,
        "field": f"index[{item.index_id}]" if item.index_id else "retirement notice",
        "before": item.was,
        "after": item.title,
        "summary": f"{item.action.capitalize()} in the policy index: {named}",
        "recorded_at": item.recorded_at,
        "reverted_at": None,
        "source_id": item.source_id,
        "plan": item.plan,
        "url": item.link,
    }


def _csv_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value)
    text = safe_cell(str(value))
    return keep_text(text) if column in ID_COLUMNS else text


def keep_text(value: str) -> str:
    """An all-digit identifier a spreadsheet would shorten (``00220`` → 220) as ``="00220"``."""
    return f'="{value}"' if _LOSSY_NUMBER.match(value) else value


def safe_cell(value: str) -> str:
    """Neutralise formula-like text for spreadsheets; cap the cell length."""
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _policy_name(policy: PolicyChange) -> str:
    return policy.policy_number or policy.source_id or policy.policy_dir


def _source(policy: PolicyChange) -> dict[str, Any]:
    return {
        "payer": policy.payer or "",
        "policy": _policy_name(policy),
        "source_id": policy.source_id or "",
        "plan": policy.plan or "",
        "url": policy.source or "",
    }


def _change_row(
    policy: PolicyChange, change: Change, recorded_at: datetime | None = None
) -> dict[str, Any]:
    if change.kind == "text":
        before, after = changed_words(change, "delete"), changed_words(change, "insert")
    else:
        before, after = side_text(change.before), side_text(change.after)
    return {
        **_source(policy),
        "kind": change.kind.value,
        "action": change.action.value,
        "severity": change.severity.value,
        "field": change.field,
        "before": before,
        "after": after,
        "summary": change.summary,
        "recorded_at": recorded_at or policy.recorded_at,
        "reverted_at": None,
    }


def _added_row(policy: PolicyChange) -> dict[str, Any]:
    return {
        **_source(policy),
        "kind": "policy",
        "action": "added",
        "severity": "",
        "field": "",
        "before": "",
        "after": policy.title or "",
        "summary": policy.headline,
        "recorded_at": policy.recorded_at,
        "reverted_at": None,
    }


def changed_words(change: Change, op: str, limit: int = TEXT_CELL) -> str:
    """A text change's removed (``delete``) or added (``insert``) words, the pieces
    joined by " … " and cut at ``limit`` characters."""
    pieces = [text for kind, text in change.words or () if kind == op]
    joined = " … ".join(pieces)
    return joined if len(joined) <= limit else joined[: limit - 1].rstrip() + "…"


def side_text(side: dict[str, Any] | None) -> str:
    """A change's before / after as one readable cell: a lone value as is, else key: value."""
    if not side:
        return ""
    shown = {k: v for k, v in side.items() if v is not None}
    if len(shown) == 1:
        return _value(next(iter(shown.values())))
    return "; ".join(f"{k.replace('_', ' ')}: {_value(v)}" for k, v in shown.items())


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "–".join(_value(v) for v in value)
    return str(value)

"""CSV: the report as one row per change, for spreadsheets.

UTF-8 with a byte-order mark (so Excel reads the accents right), and any cell
that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or
a carriage return) gets a leading apostrophe. Policy text is untrusted; a
citation beginning ``=HYPERLINK(`` must stay text.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import TYPE_CHECKING, Any

from policywatch.diff import Change
from policywatch.render.labels import iso

if TYPE_CHECKING:  # the report is data this module reads; importing it would load the store
    from policywatch.report.model import PolicyChange, Report

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
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# Spreadsheets cap a cell at 32,767 characters; whole sections can be longer.
MAX_CELL = 32_000


def report_csv(report: Report) -> str:
    """One row per change of a changed policy (its net changes, then those reverted
    within the period, with ``reverted_at``), then one ``policy / added`` row per
    added one."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for policy in report.changed:
        for change in policy.changes:
            writer.writerow([safe_cell(v) for v in _change_row(policy, change)])
        for reverted in policy.reverted:
            row = _change_row(policy, reverted.change, reverted.changed_at)
            row[-1] = iso(reverted.reverted_at)
            writer.writerow([safe_cell(v) for v in row])
    for policy in report.added:
        writer.writerow([safe_cell(v) for v in _added_row(policy)])
    return BOM + out.getvalue()


def safe_cell(value: str) -> str:
    """Neutralise formula-like text for spreadsheets; cap the cell length."""
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _policy_name(policy: PolicyChange) -> str:
    return policy.policy_number or policy.source_id or policy.policy_dir


def _change_row(
    policy: PolicyChange, change: Change, recorded_at: datetime | None = None
) -> list[str]:
    return [
        policy.payer or "",
        _policy_name(policy),
        change.kind,
        change.action,
        change.severity,
        change.field,
        side_text(change.before),
        side_text(change.after),
        change.summary,
        iso(recorded_at or policy.recorded_at),
        "",
    ]


def _added_row(policy: PolicyChange) -> list[str]:
    return [
        policy.payer or "",
        _policy_name(policy),
        "policy",
        "added",
        "",
        "",
        "",
        policy.title or "",
        policy.headline,
        iso(policy.recorded_at),
        "",
    ]


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

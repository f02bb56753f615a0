"""The report as data: JSON (everything the HTML shows) and CSV (one row per change).

The CSV is for spreadsheets: UTF-8 with a byte-order mark (so Excel reads
the accents right), and any cell that a spreadsheet would run as a formula
(starting with ``= + - @``, a tab or a carriage return) gets a leading
apostrophe. Policy text is untrusted; a citation beginning ``=HYPERLINK(`` must
stay text.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from policywatch.diff import Change
from policywatch.model import canonical_json
from policywatch.report.model import (
    FailedSource,
    OverdueReview,
    PolicyChange,
    Report,
    RevertedChange,
    VersionStep,
)

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


# -- JSON ---------------------------------------------------------------------------------


def report_json(report: Report) -> str:
    return canonical_json(report_data(report))


def report_data(report: Report) -> dict[str, Any]:
    period = report.period
    return {
        "period": {
            "label": period.label,
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
        },
        "store": report.store,
        "start_commit": report.start_commit,
        "end_commit": report.end_commit,
        "generated_at": _iso(report.generated_at),
        "summary": {
            "tracked": report.tracked,
            "changed": len(report.changed),
            "added": len(report.added),
            "failed": len(report.failed),
            "overdue": len(report.overdue),
            "reverted": len(report.reverted_changes),
            "snapshot_runs": report.commits,
            "changes_by_severity": report.severity_counts,
            "changes_by_kind": report.kind_counts,
            "policies_by_severity": report.policies_by_severity,
        },
        "changed": [_changed(p) for p in report.changed],
        "added": [_added(p) for p in report.added],
        "coverage_status_changes": [
            {**_identity(p), "change": c.to_dict()} for p, c in report.coverage_status_changes
        ],
        "reverted_changes": [{**_identity(p), **_reverted(r)} for p, r in report.reverted_changes],
        "silent_changes": [p.policy_dir for p in report.silent_changes],
        "failed_sources": [_failed(f) for f in report.failed],
        "overdue_reviews": [_overdue(o) for o in report.overdue],
    }


def _identity(policy: PolicyChange) -> dict[str, Any]:
    return {
        "policy_dir": policy.policy_dir,
        "source_id": policy.source_id,
        "payer": policy.payer,
        "policy_number": policy.policy_number,
        "title": policy.title,
    }


def _changed(policy: PolicyChange) -> dict[str, Any]:
    assert policy.diff is not None  # changed policies always carry their diff
    return {
        **_identity(policy),
        "source": policy.source,
        "old_commit": policy.old_commit,
        "new_commit": policy.new_commit,
        "recorded_at": _iso(policy.recorded_at),
        "highest_severity": policy.highest_severity,
        "headline": policy.headline,
        "first_recorded_in_period": policy.first_recorded_in_period,
        "diff": policy.diff.to_dict(),
        "versions": [_version(v) for v in policy.versions],
        "reverted": [_reverted(r) for r in policy.reverted],
    }


def _version(version: VersionStep) -> dict[str, Any]:
    return {
        "commit": version.commit,
        "recorded_at": _iso(version.recorded_at),
        "summary": version.summary,
        "severity": version.severity,
    }


def _reverted(reverted: RevertedChange) -> dict[str, Any]:
    return {
        "change": reverted.change.to_dict(),
        "changed_at": _iso(reverted.changed_at),
        "changed_commit": reverted.changed_commit,
        "reverted_at": _iso(reverted.reverted_at),
        "reverted_commit": reverted.reverted_commit,
    }


def _added(policy: PolicyChange) -> dict[str, Any]:
    return {
        **_identity(policy),
        "source": policy.source,
        "new_commit": policy.new_commit,
        "recorded_at": _iso(policy.recorded_at),
        "coverage": [{"indication": i, "status": s} for i, s in policy.coverage],
    }


def _failed(failed: FailedSource) -> dict[str, Any]:
    return {
        "source_id": failed.source_id,
        "policy_dir": failed.policy_dir,
        "payer": failed.payer,
        "title": failed.title,
        "source": failed.source,
        "stage": failed.stage,
        "error": failed.error,
        "failures": failed.failures,
        "failures_in_period": failed.failures_in_period,
        "first_failed_at": _iso(failed.first_failed_at),
        "last_failed_at": _iso(failed.last_failed_at),
        "last_commit": failed.last_commit,
        "has_version": failed.has_version,
        "recovered_at": _iso(failed.recovered_at) if failed.recovered_at else None,
    }


def _overdue(overdue: OverdueReview) -> dict[str, Any]:
    return {
        "policy_dir": overdue.policy_dir,
        "payer": overdue.payer,
        "policy_number": overdue.policy_number,
        "title": overdue.title,
        "next_review": overdue.next_review,
        "last_revised": overdue.last_revised,
        "source": overdue.source,
        "commit": overdue.commit,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- CSV ----------------------------------------------------------------------------------


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
            row[-1] = _iso(reverted.reverted_at)
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
        _iso(recorded_at or policy.recorded_at),
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
        _iso(policy.recorded_at),
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

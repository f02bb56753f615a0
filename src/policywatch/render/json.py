"""JSON: a diff (the ``diff --format json`` contract in DESIGN.md) and the report
(everything the HTML shows, as data).

Written by :func:`policywatch.model.canonical_json`, the one JSON encoder:
sorted keys, 2-space indent, final newline. Moments are ISO 8601 in UTC
(``2026-11-02T06:00:00Z``, :func:`.labels.iso`).

Every policy, failed source and overdue review names its source: ``source_id``,
``plan`` (line of business) and ``source`` (the URL or path). A changed policy's
``diff`` is the whole comparison; ``restated`` lists its text changes that only
repeat a semantic change (by that change's ``field``), which the counts leave out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policywatch.diff import DiffResult
from policywatch.model import canonical_json
from policywatch.render.labels import iso

if TYPE_CHECKING:  # the report is data this module reads; importing it would load the store
    from policywatch.report.model import (
        FailedSource,
        LibraryItem,
        OverdueReview,
        PolicyChange,
        Report,
        RevertedChange,
        VersionStep,
    )


def render_json(result: DiffResult) -> str:
    return canonical_json(result.to_dict())


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
        "generated_at": iso(report.generated_at),
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
        "library_changes": [
            {"payer": lib.payer, "changes": [_library_item(i) for i in lib.items]}
            for lib in report.library
        ],
    }


def _library_item(item: LibraryItem) -> dict[str, Any]:
    return {
        "action": item.action,
        "severity": item.severity,
        "index_id": item.index_id,
        "title": item.title,
        "policy_number": item.number,
        "plan": item.plan,
        "link": item.link,
        "source_id": item.source_id,
        "recorded_at": iso(item.recorded_at),
        "was": item.was,
        "was_link": item.was_link,
    }


def _identity(policy: PolicyChange) -> dict[str, Any]:
    return {
        "policy_dir": policy.policy_dir,
        "source_id": policy.source_id,
        "payer": policy.payer,
        "plan": policy.plan,
        "policy_number": policy.policy_number,
        "title": policy.title,
        "source": policy.source,
    }


def _changed(policy: PolicyChange) -> dict[str, Any]:
    assert policy.diff is not None  # changed policies always carry their diff
    return {
        **_identity(policy),
        "old_commit": policy.old_commit,
        "new_commit": policy.new_commit,
        "recorded_at": iso(policy.recorded_at),
        "highest_severity": policy.highest_severity,
        "headline": policy.headline,
        "first_recorded_in_period": policy.first_recorded_in_period,
        "diff": policy.diff.to_dict(),
        "versions": [_version(v) for v in policy.versions],
        "reverted": [_reverted(r) for r in policy.reverted],
        "restated": [
            {
                "field": r.change.field,
                "summary": r.change.summary,
                "restates": [c.field for c in r.restates],
            }
            for r in policy.restated
        ],
    }


def _version(version: VersionStep) -> dict[str, Any]:
    return {
        "commit": version.commit,
        "recorded_at": iso(version.recorded_at),
        "summary": version.summary,
        "severity": version.severity,
    }


def _reverted(reverted: RevertedChange) -> dict[str, Any]:
    return {
        "change": reverted.change.to_dict(),
        "changed_at": iso(reverted.changed_at),
        "changed_commit": reverted.changed_commit,
        "reverted_at": iso(reverted.reverted_at),
        "reverted_commit": reverted.reverted_commit,
    }


def _added(policy: PolicyChange) -> dict[str, Any]:
    return {
        **_identity(policy),
        "new_commit": policy.new_commit,
        "recorded_at": iso(policy.recorded_at),
        "coverage": [{"indication": i, "status": s} for i, s in policy.coverage],
    }


def _failed(failed: FailedSource) -> dict[str, Any]:
    return {
        "source_id": failed.source_id,
        "policy_dir": failed.policy_dir,
        "payer": failed.payer,
        "plan": failed.plan,
        "title": failed.title,
        "source": failed.source,
        "stage": failed.stage,
        "error": failed.error,
        "failures": failed.failures,
        "failures_in_period": failed.failures_in_period,
        "first_failed_at": iso(failed.first_failed_at),
        "last_failed_at": iso(failed.last_failed_at),
        "last_commit": failed.last_commit,
        "has_version": failed.has_version,
        "recovered_at": iso(failed.recovered_at) if failed.recovered_at else None,
    }


def _overdue(overdue: OverdueReview) -> dict[str, Any]:
    return {
        "policy_dir": overdue.policy_dir,
        "source_id": overdue.source_id,
        "payer": overdue.payer,
        "plan": overdue.plan,
        "policy_number": overdue.policy_number,
        "title": overdue.title,
        "next_review": overdue.next_review,
        "last_revised": overdue.last_revised,
        "source": overdue.source,
        "commit": overdue.commit,
    }

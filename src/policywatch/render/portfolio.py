"""``list`` and ``find`` as a terminal table, JSON and CSV.

The CSV follows the report's rules (:mod:`.csv`): a byte-order mark, formula-like
cells neutralised, and all-digit identifiers with leading zeros kept as text.
Every row names its source: id, payer, plan and URL or path.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from policywatch.model import canonical_json
from policywatch.render.csv import BOM, keep_text, safe_cell
from policywatch.render.labels import iso, status_label
from policywatch.render.table import table

if TYPE_CHECKING:  # the portfolio's data; importing it would load the store
    from policywatch.portfolio import FindResult, Hit, PolicyRow

LIST_FORMATS = ("text", "json", "csv")
LIST_COLUMNS = (
    "source_id",
    "payer",
    "plan",
    "policy_number",
    "title",
    "effective",
    "next_review",
    "statuses",
    "last_changed",
    "last_change_severity",
    "last_change",
    "overdue",
    "url",
    "policy_dir",
    "index",
)
FIND_COLUMNS = (
    "source_id",
    "payer",
    "plan",
    "policy_number",
    "title",
    "kind",
    "item",
    "status",
    "policy_statuses",
    "match",
    "appeared",
    "disappeared",
    "url",
    "policy_dir",
)
_ID_COLUMNS = frozenset({"source_id", "policy_number"})


# -- list -------------------------------------------------------------------------------------


def list_output(rows: Sequence[PolicyRow], fmt: str, width: int = 100) -> str:
    if fmt == "json":
        return canonical_json({"count": len(rows), "policies": [_row_data(r) for r in rows]})
    if fmt == "csv":
        return _csv(LIST_COLUMNS, [_row_cells(r) for r in rows])
    return list_text(rows, width)


def list_text(rows: Sequence[PolicyRow], width: int = 100) -> str:
    if not rows:
        return "No tracked policy matches.\n"
    headers = ("Policy", "Payer / plan", "Title", "Effective", "Coverage", "Last change")
    body = [
        (
            _lines(row.name, row.policy_number, _overdue_note(row), _index_note(row)),
            _lines(row.payer or "—", row.plan),
            row.title or "—",
            row.effective or "—",
            _statuses(row),
            _last_change(row),
        )
        for row in rows
    ]
    count = f"{len(rows)} polic{'ies' if len(rows) != 1 else 'y'}"
    return f"{count}\n\n" + table(headers, body, width)


def _index_note(row: PolicyRow) -> str | None:
    if row.index is None:
        return None
    if row.retired:
        return f"RETIRED from index {row.index} ({row.retired})"
    return f"index {row.index}"


def _overdue_note(row: PolicyRow) -> str | None:
    return f"REVIEW OVERDUE (due {row.next_review})" if row.overdue else None


def _statuses(row: PolicyRow) -> str:
    counts = Counter(status for _, status in row.coverage)
    if not counts:
        return "no statement"
    return "\n".join(
        status_label(s) + (f" ×{counts[s]}" if counts[s] > 1 else "") for s in row.statuses
    )


def _last_change(row: PolicyRow) -> str:
    change = row.last_change
    if change is None:
        first = row.first_recorded.strftime("%Y-%m-%d") if row.first_recorded else "—"
        return f"none since first recorded {first}"
    severity = (change.severity or "").upper()
    return f"{change.recorded_at:%Y-%m-%d} {severity}\n{change.summary}"


def _row_data(row: PolicyRow) -> dict[str, Any]:
    change = row.last_change
    return {
        "policy_dir": row.policy_dir,
        "source_id": row.source_id,
        "payer": row.payer,
        "plan": row.plan,
        "policy_number": row.policy_number,
        "title": row.title,
        "source": row.source,
        "effective": row.effective,
        "next_review": row.next_review,
        "statuses": list(row.statuses),
        "coverage": [{"indication": i, "status": s} for i, s in row.coverage],
        "first_recorded": iso(row.first_recorded) if row.first_recorded else None,
        "last_change": None
        if change is None
        else {
            "recorded_at": iso(change.recorded_at),
            "commit": change.commit,
            "severity": change.severity,
            "summary": change.summary,
        },
        "overdue": row.overdue,
        "index": row.index,
        "retired": row.retired,
    }


def _row_cells(row: PolicyRow) -> dict[str, str]:
    change = row.last_change
    return {
        "source_id": row.source_id or "",
        "payer": row.payer or "",
        "plan": row.plan or "",
        "policy_number": row.policy_number or "",
        "title": row.title or "",
        "effective": row.effective or "",
        "next_review": row.next_review or "",
        "statuses": "; ".join(row.statuses),
        "last_changed": iso(change.recorded_at) if change else "",
        "last_change_severity": (change.severity or "") if change else "",
        "last_change": change.summary if change else "",
        "overdue": "yes" if row.overdue else "no",
        "url": row.source or "",
        "policy_dir": row.policy_dir,
        "index": row.index or "",
    }


# -- find -------------------------------------------------------------------------------------


def find_output(result: FindResult, fmt: str, width: int = 100) -> str:
    if fmt == "json":
        return canonical_json(_find_data(result))
    if fmt == "csv":
        return _csv(FIND_COLUMNS, [_hit_cells(h) for h in result.hits])
    return find_text(result, width)


def find_text(result: FindResult, width: int = 100) -> str:
    where = (
        f"{result.versions_read} stored versions of {result.policies_searched} policies"
        if result.history
        else f"{result.policies_searched} current policies"
    )
    n = len(result.hits)
    head = f"{n} hit{'s' if n != 1 else ''} for {result.query.describe()} in {where}\n"
    if not result.hits:
        return head
    headers = ["Policy", "Payer / plan", "Statement or code", "Status", "Why"]
    if result.history:
        headers += ["Appeared", "Gone"]
    body = []
    for hit in result.hits:
        cells = [
            _lines(hit.name, hit.policy_number),
            _lines(hit.payer or "—", hit.plan),
            hit.item,
            _hit_status(hit),
            hit.match,
        ]
        if result.history:
            cells += [_day(hit.first_seen), _day(hit.gone_at) if hit.gone_at else "still there"]
        body.append(cells)
    return head + "\n" + table(headers, body, width)


def _hit_status(hit: Hit) -> str:
    if hit.status:
        return status_label(hit.status)
    if not hit.statuses:
        return "no statement"
    return "policy: " + ", ".join(status_label(s) for s in hit.statuses)


def _find_data(result: FindResult) -> dict[str, Any]:
    query = result.query
    return {
        "query": {
            "code": query.code,
            "text": query.text,
            "status": query.status.value if query.status else None,
        },
        "history": result.history,
        "policies_searched": result.policies_searched,
        "versions_read": result.versions_read,
        "count": len(result.hits),
        "hits": [_hit_data(h) for h in result.hits],
    }


def _hit_data(hit: Hit) -> dict[str, Any]:
    return {
        "policy_dir": hit.policy_dir,
        "source_id": hit.source_id,
        "payer": hit.payer,
        "plan": hit.plan,
        "policy_number": hit.policy_number,
        "title": hit.title,
        "source": hit.source,
        "kind": hit.kind,
        "item": hit.item,
        "indication": hit.indication,
        "system": hit.system,
        "code": hit.code,
        "description": hit.description,
        "status": hit.status,
        "policy_statuses": list(hit.statuses),
        "match": hit.match,
        "appeared": iso(hit.first_seen) if hit.first_seen else None,
        "appeared_commit": hit.first_commit,
        "disappeared": iso(hit.gone_at) if hit.gone_at else None,
        "disappeared_commit": hit.gone_commit,
    }


def _hit_cells(hit: Hit) -> dict[str, str]:
    return {
        "source_id": hit.source_id or "",
        "payer": hit.payer or "",
        "plan": hit.plan or "",
        "policy_number": hit.policy_number or "",
        "title": hit.title or "",
        "kind": hit.kind,
        "item": hit.item,
        "status": hit.status or "",
        "policy_statuses": "; ".join(hit.statuses),
        "match": hit.match,
        "appeared": iso(hit.first_seen) if hit.first_seen else "",
        "disappeared": iso(hit.gone_at) if hit.gone_at else "",
        "url": hit.source or "",
        "policy_dir": hit.policy_dir,
    }


# -- shared -----------------------------------------------------------------------------------


def _csv(columns: Sequence[str], rows: Sequence[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(name, row[name]) for name in columns])
    return BOM + out.getvalue()


def _cell(column: str, value: str) -> str:
    text = safe_cell(value)
    return keep_text(text) if column in _ID_COLUMNS else text


def _lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def _day(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "—"

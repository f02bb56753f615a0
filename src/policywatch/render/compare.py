"""``compare``: policies side by side as a terminal table, JSON, or one self-contained
HTML page in the report's look (``templates/compare.html.j2``, the report's styles,
autoescaped, no scripts).

Rows where the documents disagree are marked (``*`` in the terminal, a coloured
edge and "differs" in HTML) and listed first as "Differences".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from policywatch.model import canonical_json
from policywatch.render.html import environment
from policywatch.render.labels import iso, status_label
from policywatch.render.table import table

if TYPE_CHECKING:  # the portfolio's data; importing it would load the store
    from policywatch.portfolio import Comparison
    from policywatch.portfolio.compare import CoverageCell

COMPARE_FORMATS = ("text", "html", "json")
DIFFERS = "*"


def compare_output(comparison: Comparison, fmt: str, width: int = 100) -> str:
    if fmt == "json":
        return canonical_json(compare_data(comparison))
    if fmt == "html":
        return compare_html(comparison)
    return compare_text(comparison, width)


# -- terminal ---------------------------------------------------------------------------------


def compare_text(comparison: Comparison, width: int = 100) -> str:
    labels = list(comparison.labels)
    out = [f"Comparing {len(labels)} policies side by side ({DIFFERS} marks a row that differs)"]
    out += ["", _section("What differs")]
    out += [f"  - {line}" for line in comparison.differences] or ["  nothing: they agree"]

    def block(title: str, first: str, rows: Sequence[tuple[bool, str, Sequence[str]]]) -> None:
        out.extend(["", _section(title)])
        if not rows:
            out.append("  none in any document")
            return
        body = [("" if same else DIFFERS, name, *cells) for same, name, cells in rows]
        out.append(table(("", first, *labels), body, width).rstrip("\n"))

    block("Documents", "", [(r.same, r.label, r.cells) for r in comparison.about])
    block(
        "Coverage",
        "Indication",
        [(r.same, r.indication, [_status(c) for c in r.cells]) for r in comparison.coverage],
    )
    block(
        "Codes",
        "Code",
        [(r.same, f"{r.system} {r.code}", [c or "—" for c in r.cells]) for r in comparison.codes],
    )
    block(
        "Evidence",
        "Population: studies",
        [(r.same, f"{r.population}: {r.study}", r.cells) for r in comparison.evidence],
    )
    block("Dates", "Date", [(r.same, r.label, r.cells) for r in comparison.dates])
    block("History", "", [(r.same, r.label, r.cells) for r in comparison.history])
    return "\n".join(out) + "\n"


def _section(title: str) -> str:
    return f"{title}\n{'=' * len(title)}"


def _status(cell: CoverageCell | None) -> str:
    return status_label(cell.status) if cell else "no statement"


# -- JSON -------------------------------------------------------------------------------------


def compare_data(comparison: Comparison) -> dict[str, Any]:
    return {
        "sides": [
            {
                "label": side.label,
                "policy_dir": side.policy_dir,
                "at": side.at,
                "commit": side.commit,
                "version_commit": side.version_commit,
                "recorded_at": iso(side.recorded_at) if side.recorded_at else None,
                "source_id": side.source_id,
                "payer": side.payer,
                "plan": side.plan,
                "policy_number": side.policy_number,
                "title": side.title,
                "source": side.source,
            }
            for side in comparison.sides
        ],
        "differences": comparison.differences,
        "coverage": [
            {
                "indication": row.indication,
                "same": row.same,
                "cells": [
                    None
                    if c is None
                    else {"indication": c.indication, "status": c.status, "text": c.text}
                    for c in row.cells
                ],
            }
            for row in comparison.coverage
        ],
        "codes": [
            {
                "system": row.system,
                "code": row.code,
                "description": row.description,
                "same": row.same,
                "cells": list(row.cells),
            }
            for row in comparison.codes
        ],
        "evidence": [
            {"population": r.population, "study": r.study, "same": r.same, "cells": list(r.cells)}
            for r in comparison.evidence
        ],
        "dates": [_field(r.label, r.same, r.cells) for r in comparison.dates],
        "history": [_field(r.label, r.same, r.cells) for r in comparison.history],
    }


def _field(label: str, same: bool, cells: Sequence[str]) -> dict[str, Any]:
    return {"label": label, "same": same, "cells": list(cells)}


# -- HTML -------------------------------------------------------------------------------------


def compare_html(comparison: Comparison) -> str:
    """One self-contained page: inline CSS, no scripts, nothing loaded from elsewhere."""
    template = environment().get_template("compare.html.j2")
    return template.render(c=comparison, title=_title(comparison))


def _title(comparison: Comparison) -> str:
    titles = {side.title for side in comparison.sides if side.title}
    if len(titles) == 1:
        return titles.pop()
    return f"{len(comparison.sides)} policies side by side"

"""Render a :class:`DiffResult` as text (terminal), JSON (contract) or one HTML page.

Text and HTML group changes by kind, high severity first. HTML comes from a
jinja2 template shipped in the package with autoescape on: every value from a
policy document is untrusted text.
"""

from __future__ import annotations

from typing import Any

from policywatch.diff.changes import KINDS, SEVERITIES, Change, DiffResult
from policywatch.model import canonical_json

KIND_TITLES = {
    "coverage": "Coverage",
    "code": "Codes",
    "evidence": "Evidence",
    "date": "Dates",
    "reference": "References",
    "history": "History",
    "metadata": "Metadata",
    "text": "Text",
}

_RANK = {severity: n for n, severity in enumerate(SEVERITIES)}

_ANSI = {
    "high": "\x1b[1;31m",
    "medium": "\x1b[33m",
    "low": "\x1b[2m",
    "delete": "\x1b[31m",
    "insert": "\x1b[32m",
    "bold": "\x1b[1m",
}
_RESET = "\x1b[0m"


def grouped(result: DiffResult) -> list[tuple[str, list[Change]]]:
    """Changes by kind; groups and the changes inside them ordered high severity first."""
    groups = []
    for kind in KINDS:
        changes = sorted(
            (c for c in result.changes if c.kind == kind), key=lambda c: _RANK[c.severity]
        )
        if changes:
            groups.append((kind, changes))
    groups.sort(key=lambda g: (_RANK[g[1][0].severity], KINDS.index(g[0])))
    return groups


def severity_counts(result: DiffResult) -> dict[str, int]:
    return {s: sum(1 for c in result.changes if c.severity == s) for s in SEVERITIES}


def render_json(result: DiffResult) -> str:
    return canonical_json(result.to_dict())


# -- text ---------------------------------------------------------------------------------


def render_text(result: DiffResult, color: bool = False) -> str:
    def paint(style: str, text: str) -> str:
        return f"{_ANSI[style]}{text}{_RESET}" if color else text

    lines = [paint("bold", _title(result))]
    lines += [f"  old: {_describe_side(result.old)}", f"  new: {_describe_side(result.new)}"]
    lines.append(_tally(result))
    for kind, changes in grouped(result):
        lines += ["", paint("bold", KIND_TITLES[kind])]
        for change in changes:
            badge = paint(change.severity, f"{change.severity.upper():<6}")
            lines.append(f"  {badge}  {change.summary}")
            if change.words and change.action == "modified":
                lines.append("          " + _word_line(change, paint))
    return "\n".join(lines) + "\n"


def _title(result: DiffResult) -> str:
    old, new = result.old.get("title"), result.new.get("title")
    if old and new and old != new:
        return f"{old} → {new}"
    return str(new or old or "(untitled policy)")


def _describe_side(header: dict[str, Any]) -> str:
    dates = header.get("dates") or {}
    parts = [
        f"policy {header['policy_number']}" if header.get("policy_number") else None,
        header.get("payer"),
        f"effective {dates['effective']}" if dates.get("effective") else None,
        f"last review {dates['last_review']}" if dates.get("last_review") else None,
        f"next review {dates['next_review']}" if dates.get("next_review") else None,
        f"published {dates['published']}" if dates.get("published") else None,
    ]
    return " · ".join(p for p in parts if p) or "(no identifying details)"


def _tally(result: DiffResult) -> str:
    if not result.changes:
        return "No changes."
    counts = severity_counts(result)
    n = len(result.changes)
    text = f"{n} change{'s' if n != 1 else ''}: " + ", ".join(
        f"{counts[s]} {s}" for s in SEVERITIES if counts[s]
    )
    if not result.has_semantic_changes:
        text += " (wording only, no semantic change)"
    if result.silent_change:
        text += " · SILENT CHANGE: no new history entry or date came with it"
    return text


def _word_line(change: Change, paint: Any) -> str:
    pieces = []
    for op, text in change.words or ():
        if op == "delete":
            pieces.append(paint("delete", f"[-{text}-]"))
        elif op == "insert":
            pieces.append(paint("insert", f"{{+{text}+}}"))
        else:
            pieces.append(text)
    return " ".join(pieces)


# -- HTML ---------------------------------------------------------------------------------


def render_html(result: DiffResult) -> str:
    # One look for one policy everywhere: the report's partials (imported here: report uses us).
    from policywatch.report.html import render_policy_page

    return render_policy_page(
        result,
        title=_title(result),
        old_side=_describe_side(result.old),
        new_side=_describe_side(result.new),
    )

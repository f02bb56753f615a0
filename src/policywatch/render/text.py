"""Plain text for a terminal: a diff (``diff``), a parsed policy (``parse --format
text``) and one line per stored version (``log``).

The diff is grouped by kind, high severity first, with ANSI colour only when
asked (the CLI asks when standard output is a terminal and ``NO_COLOR`` is
unset). Every label comes from :mod:`.labels`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from policywatch.diff import Change, DiffResult
from policywatch.model import DATE_FIELDS, Count, Policy
from policywatch.render.labels import (
    KIND_TITLES,
    describe_side,
    grouped,
    status_label,
    tally,
    title,
)

_ANSI = {
    "high": "\x1b[1;31m",
    "medium": "\x1b[33m",
    "low": "\x1b[2m",
    "delete": "\x1b[31m",
    "insert": "\x1b[32m",
    "bold": "\x1b[1m",
}
_RESET = "\x1b[0m"

Paint = Callable[[str, str], str]

# -- diff ---------------------------------------------------------------------------------


def render_text(result: DiffResult, color: bool = False) -> str:
    def paint(style: str, text: str) -> str:
        return f"{_ANSI[style]}{text}{_RESET}" if color else text

    lines = [paint("bold", title(result))]
    lines += [f"  old: {describe_side(result.old)}", f"  new: {describe_side(result.new)}"]
    lines.append(_tally_line(result))
    for kind, changes in grouped(result):
        lines += ["", paint("bold", KIND_TITLES[kind])]
        for change in changes:
            badge = paint(change.severity, f"{change.severity.upper():<6}")
            lines.append(f"  {badge}  {change.summary}")
            if change.words and change.action == "modified":
                lines.append("          " + _word_line(change, paint))
    return "\n".join(lines) + "\n"


def _tally_line(result: DiffResult) -> str:
    """The tally, and the silent-change warning the HTML page shows as a banner."""
    text = tally(result)
    if result.silent_change:
        text += " · SILENT CHANGE: no new history entry or date came with it"
    return text


def _word_line(change: Change, paint: Paint) -> str:
    pieces = []
    for op, text in change.words or ():
        if op == "delete":
            pieces.append(paint("delete", f"[-{text}-]"))
        elif op == "insert":
            pieces.append(paint("insert", f"{{+{text}+}}"))
        else:
            pieces.append(text)
    return " ".join(pieces)


# -- parse --format text ------------------------------------------------------------------


def policy_summary(policy: Policy) -> str:
    """A readable one-screen summary of a parsed policy."""
    lines = [
        policy.title or "(untitled policy)",
        f"Payer: {policy.payer or '-'}",
        f"Policy number: {policy.policy_number or '-'}"
        + (f"  (reference {policy.reference_number})" if policy.reference_number else ""),
    ]
    dated = [
        f"{name.replace('_', ' ')} {getattr(policy.dates, name)}"
        for name in DATE_FIELDS
        if getattr(policy.dates, name)
    ]
    lines.append("Dates: " + ("; ".join(dated) if dated else "-"))
    lines.append(f"Coverage ({len(policy.coverage)}):")
    lines += [f"  - {c.indication}: {status_label(c.status)}" for c in policy.coverage]
    lines.append(f"Codes ({len(policy.codes)}):")
    by_system: dict[str, list[str]] = defaultdict(list)
    for code in policy.codes:
        by_system[code.system].append(code.code)
    lines += [f"  {system}: {' '.join(codes)}" for system, codes in by_system.items()]
    lines.append(f"Evidence ({len(policy.evidence)} populations):")
    for evidence in policy.evidence:
        counts = ", ".join(
            f"{kind.replace('_', ' ')} {_count(n)}" for kind, n in evidence.counts.items()
        )
        lines.append(f"  - {evidence.population}: {counts or 'no studies named'}")
    with_pmid = sum(1 for r in policy.references if r.pmid)
    lines.append(f"References: {len(policy.references)} ({with_pmid} with PMID)")
    lines.append(f"History entries: {len(policy.history)}")
    lines.append(f"Sections: {len(policy.sections)}")
    return "\n".join(lines) + "\n"


def _count(n: Count) -> str:
    return "(unspecified)" if n is None else str(n)


# -- log ----------------------------------------------------------------------------------


def version_summary(run: str, new: Policy | None, result: DiffResult | None) -> str:
    """One line of what a stored version changed, for ``log``.

    ``run`` is the commit's run kind from the run log (``snapshot``, ``reparse``,
    ``manual``); ``new`` the version's policy (None: its policy.json does not
    read); ``result`` its diff against the version before (None: the first one).
    """
    if run == "reparse":
        return "re-normalized by a parser upgrade (not a policy change)"
    line = _version_change(new, result)
    return f"{line} (committed by hand)" if run == "manual" else line


def _version_change(new: Policy | None, result: DiffResult | None) -> str:
    if new is None:
        return "policy.json unreadable"
    if result is None:
        return f"first recorded: {new.title or 'untitled'}"
    semantic = sorted((c for c in result.changes if c.is_semantic), key=lambda c: c.severity.rank)
    if not semantic:
        texts = sum(1 for c in result.changes if c.kind == "text")
        return f"wording only ({texts} section(s))" if texts else "no change in the policy"
    top = semantic[0]
    more = f" (+{len(semantic) - 1} more)" if len(semantic) > 1 else ""
    silent = " [silent change]" if result.silent_change else ""
    return f"{top.severity}: {top.summary}{more}{silent}"

"""Billing codes, keyed by (system, code).

A description only one side gives is not a change: some editions list bare
codes. A range that moved (``C22.0-C22.9`` → ``C22.0-C22.8``) is one "modified"
change that says which codes it dropped or added, not a removal plus an
addition: a narrowed range is codes no longer billable, so it is high severity.
"""

from __future__ import annotations

import re
from dataclasses import asdict

from policywatch.diff.changes import Change
from policywatch.diff.matching import pair_exact
from policywatch.diff.normalize import changed_excerpts, clip, norm_key, norm_text, shorten
from policywatch.model import Action, ChangeKind, Code, Severity

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def code_key(code: Code) -> str:
    return f"{code.system.upper()} {norm_code(code.code)}"


def norm_code(value: str) -> str:
    """'C22.0 – C22.9' → 'C22.0-C22.9': dashes and spacing in a code or range unified."""
    return re.sub(r"\s*[-\u2013\u2014]\s*", "-", norm_text(value)).upper()


def _bounds(code: Code) -> tuple[str, str]:
    if code.range and len(code.range) == 2:
        return norm_code(code.range[0]), norm_code(code.range[1])
    value = norm_code(code.code)
    return value, value


def _is_range(code: Code) -> bool:
    first, last = _bounds(code)
    return first != last


def diff_codes(old: list[Code], new: list[Code]) -> list[Change]:
    old_keys = [code_key(c) for c in old]
    new_keys = [code_key(c) for c in new]
    exact = pair_exact(old_keys, new_keys)
    ranges = _pair_ranges(old, new, exact.old_only, exact.new_only)
    ordered: list[tuple[float, float, Change]] = []
    for i, j in exact.pairs:
        if old_keys[i] in old_keys[:i]:
            continue  # a code listed twice is one code
        change = _description_change(old[i], new[j])
        if change:
            ordered.append((i, j, change))
    ordered += [(i, j, _range_change(old[i], new[j])) for i, j in ranges]
    in_range_old = {i for i, _ in ranges}
    in_range_new = {j for _, j in ranges}
    ordered += [
        (i, -1, _removed(old[i]))
        for i in exact.old_only
        if i not in in_range_old and old_keys[i] not in old_keys[:i]
    ]
    ordered += [
        (float("inf"), j, _added(new[j]))
        for j in exact.new_only
        if j not in in_range_new and new_keys[j] not in new_keys[:j]
    ]
    ordered.sort(key=lambda item: (item[0], item[1]))
    return [change for _, _, change in ordered]


def _pair_ranges(
    old: list[Code], new: list[Code], old_idx: list[int], new_idx: list[int]
) -> list[tuple[int, int]]:
    """Unmatched entries of one system where a range moved: a shared bound or overlap."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i in old_idx:
        for j in new_idx:
            if j in used or old[i].system.upper() != new[j].system.upper():
                continue
            if (_is_range(old[i]) or _is_range(new[j])) and _ranges_related(old[i], new[j]):
                pairs.append((i, j))
                used.add(j)
                break
    return pairs


def _ranges_related(a: Code, b: Code) -> bool:
    (a_first, a_last), (b_first, b_last) = _bounds(a), _bounds(b)
    if a_first == b_first or a_last == b_last:
        return True
    span_a, span_b = _numeric_span(a), _numeric_span(b)
    if span_a and span_b and span_a[0] == span_b[0]:
        return span_a[1] <= span_b[2] and span_b[1] <= span_a[2]
    return False


def _numeric_span(code: Code) -> tuple[tuple[str, int], int, int] | None:
    """(prefix and digit width, first, last) when both bounds share a prefix: C22.0-C22.9."""
    first, last = _bounds(code)
    m1, m2 = _TRAILING_NUMBER.match(first), _TRAILING_NUMBER.match(last)
    if not m1 or not m2 or m1.group(1) != m2.group(1) or len(m1.group(2)) != len(m2.group(2)):
        return None
    return (m1.group(1), len(m1.group(2))), int(m1.group(2)), int(m2.group(2))


def _format_run(shape: tuple[str, int], numbers: list[int]) -> str:
    """Consecutive numbers as compact runs: C22.9, 17285-17286."""
    prefix, width = shape
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = []
    for run in runs:
        first = f"{prefix}{run[0]:0{width}d}"
        parts.append(first if len(run) == 1 else f"{first}-{prefix}{run[-1]:0{width}d}")
    return ", ".join(parts)


def _range_delta(before: Code, after: Code) -> str:
    span_b, span_a = _numeric_span(before), _numeric_span(after)
    if not span_b or not span_a or span_b[0] != span_a[0]:
        return "bounds changed"
    old_set = set(range(span_b[1], span_b[2] + 1))
    new_set = set(range(span_a[1], span_a[2] + 1))
    pieces = []
    if old_set - new_set:
        pieces.append(f"drops {_format_run(span_b[0], sorted(old_set - new_set))}")
    if new_set - old_set:
        pieces.append(f"adds {_format_run(span_b[0], sorted(new_set - old_set))}")
    return "; ".join(pieces) or "bounds changed"


def _label(code: Code) -> str:
    return f"{code.system} {norm_code(code.code)}"


def _field(code: Code) -> str:
    return f"codes[{_label(code)}]"


def _range_change(before: Code, after: Code) -> Change:
    summary = f"{_label(before)} → {norm_code(after.code)}: {_range_delta(before, after)}"
    return Change(
        ChangeKind.CODE,
        Action.MODIFIED,
        Severity.HIGH,
        _field(before),
        summary,
        asdict(before),
        asdict(after),
    )


def _description_change(before: Code, after: Code) -> Change | None:
    # A list without descriptions ("CPT 47371, 47381") says nothing about them.
    if not before.description or not after.description:
        return None
    if norm_key(before.description) == norm_key(after.description):
        return None
    was, now = changed_excerpts(before.description, after.description)
    summary = f"{_label(before)}: description changed from '{clip(was, 70)}' to '{clip(now, 70)}'"
    return Change(
        ChangeKind.CODE,
        Action.MODIFIED,
        Severity.MEDIUM,
        _field(before),
        summary,
        asdict(before),
        asdict(after),
    )


def _described(code: Code) -> str:
    return f" ({shorten(code.description, 70)})" if code.description else ""


def _added(code: Code) -> Change:
    summary = f"{_label(code)} added{_described(code)}"
    return Change(
        ChangeKind.CODE, Action.ADDED, Severity.HIGH, _field(code), summary, None, asdict(code)
    )


def _removed(code: Code) -> Change:
    summary = f"{_label(code)} removed{_described(code)}"
    return Change(
        ChangeKind.CODE, Action.REMOVED, Severity.HIGH, _field(code), summary, asdict(code), None
    )

"""Plain-text tables for a terminal: columns fitted to a width, long cells wrapped.

A cell may hold several lines. Columns keep their widest line's width up to a
common cap, the largest that lets the table fit (a column never narrower than its
header or :data:`MIN_WIDTH`); words then wrap inside their column. When any row takes more than one
line, rows are separated by a blank line so each reads as a unit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

MIN_WIDTH = 10
GAP = "  "


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int = 100) -> str:
    """The rows under their headers, at most ``width`` characters a line where the
    columns' minimum widths allow."""
    widths = _fit([_natural(i, headers, rows) for i in range(len(headers))], headers, width)
    lines = _render_row(headers, widths)
    lines.append(GAP.join("-" * w for w in widths).rstrip())
    rendered = [_render_row(row, widths) for row in rows]
    spaced = any(len(r) > 1 for r in rendered)
    for n, row_lines in enumerate(rendered):
        if spaced and n:
            lines.append("")
        lines += row_lines
    return "\n".join(lines) + "\n"


def _natural(column: int, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    cells = [headers[column], *(row[column] for row in rows)]
    return max((len(line) for cell in cells for line in cell.splitlines()), default=0)


def _fit(natural: list[int], headers: Sequence[str], width: int) -> list[int]:
    """Column widths: each column its natural width up to a common cap, the largest cap
    that fits ``width`` (never below a column's floor: its header, or MIN_WIDTH)."""
    natural = [max(1, n) for n in natural]
    floor = [min(n, max(len(h), MIN_WIDTH)) for n, h in zip(natural, headers, strict=True)]
    budget = width - len(GAP) * (len(natural) - 1)

    def widths(cap: int) -> list[int]:
        return [max(f, min(n, cap)) for n, f in zip(natural, floor, strict=True)]

    low, high = 1, max(natural)
    while low < high:  # the largest cap whose widths fit
        cap = (low + high + 1) // 2
        if sum(widths(cap)) <= budget:
            low = cap
        else:
            high = cap - 1
    return widths(low)


def _render_row(cells: Sequence[str], widths: list[int]) -> list[str]:
    wrapped = [_wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
    height = max(len(c) for c in wrapped)
    lines = []
    for n in range(height):
        parts = [
            (c[n] if n < len(c) else "").ljust(w) for c, w in zip(wrapped, widths, strict=True)
        ]
        lines.append(GAP.join(parts).rstrip())
    return lines


def _wrap(cell: str, width: int) -> list[str]:
    lines: list[str] = []
    for line in cell.splitlines() or [""]:
        lines += textwrap.wrap(line, width, break_on_hyphens=False) or [""]
    return lines

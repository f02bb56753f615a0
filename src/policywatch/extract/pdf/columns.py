"""Reading order: a page, or a band of it, set in two columns is read column by column.

A gutter is a vertical strip that no line of the band crosses, with text on
both sides. Two narrow columns of a table have one too; they are told apart by
their baselines: a table's cells share them row by row, while two columns of
running text flow on their own (or both hold full lines of running text).
"""

from __future__ import annotations

import itertools
import math
import re
import statistics

from policywatch.extract.pdf.layout import Line, Segment

_STEP = 2.0  # points between gutter positions tried
_MIN_GUTTER_STEPS = 3  # a gutter is at least ~6 pt wide
_MIN_BAND_LINES = 4
_MIN_SIDE_LINES = 3
_RUNNING_WORDS = 5
_FLUSH = 3.0  # points: lines set flush right end this close
_MIN_INTERLEAVED = 2  # lines of one column set between the other's lines
_SECTION_GAP = 1.5  # of the font size  # words per line of a column of running text


def reading_order(lines: list[Line], width: float, ruled: set[int]) -> list[Line]:
    """The page's lines in reading order; ``ruled`` are ids of lines inside table rules."""
    text = [line for line in lines if line.kind == "text"]
    gutter = _page_gutter(text, width)
    if gutter is not None:
        return _split(lines, gutter)
    out: list[Line] = []
    for band, gutter in _bands(lines, width, ruled):
        out += _split(band, gutter) if gutter is not None else band
    return out


# --------------------------------------------------------------------------- whole page


def _page_gutter(lines: list[Line], width: float) -> float | None:
    """x of a gutter running down the whole page, with full text on both sides."""
    if len(lines) < 10:
        return None
    best: tuple[int, float] | None = None
    run: list[float] = []
    low = width * 0.3
    crossings = _crossings(lines, low, int(width * 0.4 / _STEP) + 1)
    allowed = max(1, len(lines) // 20)
    for cell, crossing in enumerate(crossings):
        x = low + cell * _STEP
        if crossing <= allowed and _is_page_gutter(lines, x):
            run.append(x)
        else:
            best = _wider(best, run)
            run = []
    best = _wider(best, run)
    return best[1] if best else None


def _crossings(lines: list[Line], low: float, cells: int) -> list[int]:
    """How many lines cross each gutter position (a running sum over segment spans)."""
    delta = [0] * (cells + 1)
    for line in lines:
        for s in line.segments:
            first = max(0, math.ceil((s.x0 - 2 - low) / _STEP))
            last = min(cells - 1, math.floor((s.x1 + 2 - low) / _STEP))
            if last >= first:
                delta[first] += 1
                delta[last + 1] -= 1
    return list(itertools.accumulate(delta[:cells]))


def _wider(best: tuple[int, float] | None, run: list[float]) -> tuple[int, float] | None:
    if len(run) >= _MIN_GUTTER_STEPS and (best is None or len(run) > best[0]):
        return len(run), (run[0] + run[-1]) / 2
    return best


def _is_page_gutter(lines: list[Line], x: float) -> bool:
    crossing = 0
    left: list[float] = []
    right: list[float] = []
    for line in lines:
        if any(s.x0 - 2 <= x <= s.x1 + 2 for s in line.segments):
            crossing += 1
            continue
        lw = sum(s.x1 - s.x0 for s in line.segments if s.x1 < x)
        rw = sum(s.x1 - s.x0 for s in line.segments if s.x0 > x)
        if lw:
            left.append(lw)
        if rw:
            right.append(rw)
    if crossing > max(1, len(lines) // 20) or len(left) < 5 or len(right) < 5:
        return False
    # Columns of running text fill their width; table cells and page numbers do not.
    left_span = x - min(ln.x0 for ln in lines)
    right_span = max(ln.x1 for ln in lines) - x
    return statistics.median(left) >= 0.5 * left_span and statistics.median(right) >= (
        0.5 * right_span
    )


# --------------------------------------------------------------------------- bands


def _bands(
    lines: list[Line], width: float, ruled: set[int]
) -> list[tuple[list[Line], float | None]]:
    """Consecutive runs of lines that share a free vertical strip, and that strip."""
    low = width * 0.25
    cells = int(width * 0.5 / _STEP)
    full = (1 << cells) - 1
    masks = [_free_mask(line, low, cells, full) for line in lines]
    out: list[tuple[list[Line], float | None]] = []
    start = 0
    while start < len(lines):
        end, free = start + 1, masks[start]
        while (
            end < len(lines)
            and _has_strip(free & masks[end])
            and not _section_break(lines[end - 1], lines[end])
        ):
            free &= masks[end]
            end += 1
        band = lines[start:end]
        gutter = _strip_centre(free, low) if _has_strip(free) else None
        in_table = sum(1 for line in band if id(line) in ruled) * 2 >= len(band)
        if gutter is not None and (in_table or not _two_columns(band, gutter)):
            gutter = None
        if gutter is None:
            band, end = band[:1], start + 1  # not columns: try again from the next line
            if out and out[-1][1] is None:
                out[-1][0].extend(band)
                start = end
                continue
        else:
            band = _up_to_next_section(band, gutter)
            end = start + len(band)
        out.append((band, gutter))
        start = end
    return out


def _up_to_next_section(band: list[Line], gutter: float) -> list[Line]:
    """The band up to a heading set off by white space below the end of one of its
    columns: a new section under a contents list (left) and a related-links box (right)
    spans the page, however narrow its own lines."""
    last_left = max(i for i, ln in enumerate(band) if any(s.x1 < gutter for s in ln.segments))
    last_right = max(i for i, ln in enumerate(band) if any(s.x0 > gutter for s in ln.segments))
    body = statistics.median(ln.size for ln in band)
    for i in range(min(last_left, last_right) + 1, len(band)):
        line, above = band[i], band[i - 1]
        if line.size >= 1.15 * body and line.top - above.bottom > 0.5 * line.size:
            return band[:i]
    return band


def _section_break(above: Line, below: Line) -> bool:
    """White space of several lines between two lines: columns do not run across it."""
    return below.top - above.bottom > _SECTION_GAP * max(above.size, below.size)


def _free_mask(line: Line, low: float, cells: int, full: int) -> int:
    if line.kind != "text":
        return 0
    mask = full
    for s in line.segments:
        first = max(0, int((s.x0 - 2 - low) / _STEP))
        last = min(cells - 1, int((s.x1 + 2 - low) / _STEP))
        if last >= first:
            mask &= ~(((1 << (last - first + 1)) - 1) << first)
    return mask


def _has_strip(mask: int) -> bool:
    run = mask
    for _ in range(_MIN_GUTTER_STEPS - 1):
        run &= mask >> 1
        mask = run
    return run != 0


def _strip_centre(mask: int, low: float) -> float:
    """Centre of the widest run of free cells (the first, if several are as wide)."""
    bits = format(mask, "b")[::-1]  # cell 0 first
    best = max(re.finditer("1+", bits), key=lambda m: m.end() - m.start())
    return low + (best.start() + (best.end() - best.start()) / 2) * _STEP


def _two_columns(band: list[Line], gutter: float) -> bool:
    if _flush_right_block(band, gutter):
        return True
    if len(band) < _MIN_BAND_LINES:
        return False
    left = [ln for ln in band if any(s.x1 < gutter for s in ln.segments)]
    right = [ln for ln in band if any(s.x0 > gutter for s in ln.segments)]
    if len(left) < _MIN_SIDE_LINES or len(right) < _MIN_SIDE_LINES:
        return False
    both = sum(1 for ln in left if ln in right)
    if both < 0.5 * min(len(left), len(right)):
        return True  # the two sides keep baselines of their own
    if _interleaved(left, right) >= _MIN_INTERLEAVED:
        return True
    return _running(left, gutter, True) and _running(right, gutter, False)


def _flush_right_block(band: list[Line], gutter: float) -> bool:
    """Two or more lines of words set flush right, ragged on the left (a list of contents
    links at the margin beside the header fields): a column of their own. Table cells
    start where their column starts."""
    right = [s for ln in band for s in ln.segments if s.x0 > gutter]
    if len(right) < 2 or not all(any(ch.isalpha() for ch in s.text) for s in right):
        return False
    ends = [s.x1 for s in right]
    starts = [s.x0 for s in right]
    return max(ends) - min(ends) <= _FLUSH and max(starts) - min(starts) > 2 * _FLUSH


def _interleaved(left: list[Line], right: list[Line]) -> int:
    """Lines of one side set between two lines of the other, overlapping one of them: each
    side keeps a leading of its own. A table's cells share row baselines, and its wrapped
    cell lines keep the table's line pitch."""
    count = 0
    tops = sorted(ln.top for ln in left)
    for line in right:
        if line in left:
            continue
        shift = min((abs(line.top - top) for top in tops), default=line.size)
        count += 0.2 * line.size < shift < 0.8 * line.size
    return count


def _running(lines: list[Line], gutter: float, left: bool) -> bool:
    counts = [
        sum(len(s.text.split()) for s in ln.segments if (s.x1 < gutter) == left) for ln in lines
    ]
    return statistics.median(counts) >= _RUNNING_WORDS


# --------------------------------------------------------------------------- order


def _split(lines: list[Line], gutter: float) -> list[Line]:
    """The left column, then the right; a line across the gutter closes both."""
    ordered: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for line in lines:
        if any(s.x0 < gutter < s.x1 for s in line.segments):
            ordered += left + right + [line]
            left, right = [], []
            continue
        lsegs = [s for s in line.segments if s.x1 <= gutter]
        rsegs = [s for s in line.segments if s.x0 >= gutter]
        if lsegs:
            left.append(_part(line, lsegs))
        if rsegs:
            right.append(_part(line, rsegs))
    return ordered + left + right


def _part(line: Line, segments: list[Segment]) -> Line:
    if len(segments) == len(line.segments):
        return line
    top = min(s.top for s in segments)
    bottom = max(s.bottom for s in segments)
    return Line(top, bottom, segments, line.kind, line.table_rows)

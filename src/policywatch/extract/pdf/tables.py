"""Table rows whose cells wrap: the printed lines of one row become one row.

A row's first line sets its columns (the x where each cell starts). A later
line belongs to the same row when the page says so — it lies between the same
two horizontal rules — or, in a table without rules, when it follows at the
line spacing and every piece of it starts under a cell other than the first
(a wrapped description under its code). Rows come out with TAB-separated cells,
each cell's wrapped lines joined.
"""

from __future__ import annotations

from collections import Counter

from policywatch.extract.pdf.layout import Line, PageText, Post, Rule, Segment
from policywatch.extract.pdf.render import LEADER

_ALIGN = 4.0  # points: a wrapped cell line starts where its cell starts
_RULE_SLACK = 2.0
_MIN_CELL = 8.0  # points: the narrowest cell that holds text
_LEADING = 0.6  # of the font size: the most white space between lines of one cell


def merge_rows(lines: list[Line], rules: list[Rule], posts: list[Post]) -> list[Line]:
    """Lines in reading order → the same, with each wrapped table row as one line."""
    merged_rules = _merge_rules(rules)
    out: list[Line] = []
    group: list[Line] = []
    group_band: tuple[float, float] | None = None
    bands = _row_bands(lines, merged_rules, posts)
    for line, band in zip(lines, bands, strict=True):
        if group and _same_row(group, group_band, line, band):
            group.append(line)
            continue
        out += _close(group, group_band, merged_rules, posts)
        group, group_band = [line], band
    out += _close(group, group_band, merged_rules, posts)
    return out


def ruled_lines(page: PageText) -> set[int]:
    """ids of the page's lines that sit between two rules spanning them, in a table row:
    table cells."""
    bands = _row_bands(page.lines, _merge_rules(page.rules), page.posts)
    return {id(line) for line, band in zip(page.lines, bands, strict=True) if band is not None}


def _same_row(
    group: list[Line],
    group_band: tuple[float, float] | None,
    line: Line,
    band: tuple[float, float] | None,
) -> bool:
    if line.kind != "text" or group[0].kind != "text":
        return False
    if band is not None or group_band is not None:
        return band == group_band  # ruled: the rules say where a row ends
    return _continues_cells(group, line)


def _row_bands(
    lines: list[Line], rules: list[Rule], posts: list[Post]
) -> list[tuple[float, float] | None]:
    """Each line's band between two rules, where that band is a table row: not when
    several lines in it open rows of their own (first cell and another filled, or a
    dot-leader entry) and no wall runs between its rules. Such rules are far apart — a
    box's bottom above, another box's top below — and the rows between them are
    borderless."""
    bands = [_band(line, rules) for line in lines]
    left: dict[tuple[float, float], float] = {}
    for line, band in zip(lines, bands, strict=True):
        if band is not None:
            left[band] = min(left.get(band, line.x0), line.x0)
    openers: Counter[tuple[float, float]] = Counter(
        band
        for line, band in zip(lines, bands, strict=True)
        if band is not None
        and line.x0 - left[band] <= _ALIGN
        and (len(line.segments) >= 2 or LEADER.search(line.text))
    )
    loose = {band for band, n in openers.items() if n >= 2 and not _walled(band, posts)}
    return [None if band in loose else band for band in bands]


def _walled(band: tuple[float, float], posts: list[Post]) -> bool:
    """A post runs from the band's top rule to its bottom one: a grid's cell wall."""
    top, bottom = band
    return any(p.top <= top + _RULE_SLACK and p.bottom >= bottom - _RULE_SLACK for p in posts)


def _continues_cells(group: list[Line], line: Line) -> bool:
    """A line wrapped inside the cells of a borderless row (never its first cell)."""
    head = group[0]
    if len(head.segments) < 2:
        return False
    previous = group[-1]
    if not -_ALIGN <= line.top - previous.bottom <= _LEADING * line.size:
        return False
    if LEADER.search(line.text):
        return False  # a dot-leader field is a row of its own
    anchors = [s.x0 for s in head.segments]
    return all(any(abs(s.x0 - a) <= _ALIGN for a in anchors[1:]) for s in line.segments)


def _close(
    group: list[Line], band: tuple[float, float] | None, rules: list[Rule], posts: list[Post]
) -> list[Line]:
    if not group:
        return []
    if len(group) > 1 and _complete_rows(group):
        return group  # whole rows (label/value pairs) in one box, not one wrapped row
    walls = _walls(group, band, rules, posts) if band is not None else []
    right = max(line.x1 for line in group) - _ALIGN
    cell_starts = [x for x in walls if x < right]  # the right border starts no cell
    if len(cell_starts) >= 2:
        return [_row(group, cell_starts)]
    if len(group) < 2 or len(_columns(group)) < 2:
        return group
    if all(len(line.segments) < 2 for line in group):
        return group  # one column of text in a box (a bullet's hanging indent is no cell)
    return [_row(group, _columns(group))]


def _walls(
    group: list[Line], band: tuple[float, float], rules: list[Rule], posts: list[Post]
) -> list[float]:
    """x of the column borders printed through the row, left to right."""
    top, bottom = band
    xs = sorted(
        p.x for p in posts if p.top <= top + _RULE_SLACK and p.bottom >= bottom - _RULE_SLACK
    )
    walls: list[float] = []
    for x in xs:
        if walls and x - walls[-1] <= _MIN_CELL:
            continue  # one border drawn twice, or double: no cell between
        walls.append(x)
    left = min(line.x0 for line in group)
    edges = [(r.x0, r.x1) for r in rules if abs(r.y - top) <= 0.2 and r.x0 <= left + _ALIGN]
    if not edges:
        return []
    x0, x1 = max(edges, key=lambda e: e[1] - e[0])  # the row's top border: the grid's width
    inside = [x for x in walls if x0 - _RULE_SLACK <= x <= x1 + _RULE_SLACK]
    if not inside or inside[0] > left:
        return []  # no border on the row's left: not a ruled grid
    return inside


def _complete_rows(group: list[Line]) -> bool:
    """Each line opens in the first column with cells of its own: rows in their own
    right (label/value pairs in one box), not one row whose cells wrap."""
    first = group[0].x0
    return all(len(line.segments) >= 2 and abs(line.x0 - first) <= _ALIGN for line in group)


def _row(group: list[Line], anchors: list[float]) -> Line:
    """One row line, each segment in the cell of the last anchor at or left of it (with a
    grid's borders as anchors, a leading empty cell stays a cell)."""
    cells: list[list[str]] = [[] for _ in anchors]
    for line in group:
        for segment in line.segments:
            column = max((i for i, a in enumerate(anchors) if a <= segment.x0 + _ALIGN), default=0)
            cells[column].append(segment.text)
    texts = [_join_cell(parts) for parts in cells]
    while texts and not texts[-1]:
        texts.pop()
    top, bottom = group[0].top, max(line.bottom for line in group)
    x0 = min(line.x0 for line in group)
    x1 = max(line.x1 for line in group)
    row = "\t".join(texts)
    size = group[0].size
    return Line(top, bottom, [Segment(x0, x1, top, bottom, row, size)], "table", [row])


def _columns(group: list[Line]) -> list[float]:
    """Where the row's cells start: every segment's x, near ones taken as one."""
    starts: list[float] = []
    for x in sorted(s.x0 for line in group for s in line.segments):
        if not starts or x - starts[-1] > _ALIGN:
            starts.append(x)
    return starts


def _join_cell(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if text.endswith("-") and text[-2:-1].isalpha() and part[:1].islower():
            text += part  # a word or compound broken at its hyphen: keep the hyphen
        else:
            text = f"{text} {part}" if text else part
    return text


# --------------------------------------------------------------------------- rules


def _merge_rules(rules: list[Rule]) -> list[Rule]:
    """Rules at one height that touch (a border drawn cell by cell) → one rule."""
    out: list[Rule] = []
    for rule in sorted(rules, key=lambda r: (round(r.y), r.x0)):
        last = out[-1] if out else None
        if last and abs(last.y - rule.y) <= 1.0 and rule.x0 <= last.x1 + 3:
            last.x1 = max(last.x1, rule.x1)
        else:
            out.append(Rule(rule.y, rule.x0, rule.x1))
    return out


def _band(line: Line, rules: list[Rule]) -> tuple[float, float] | None:
    """The heights of the rules just above and just below the line, if both exist."""
    if not rules:
        return None
    above: float | None = None
    below: float | None = None
    x0, x1 = line.x0 + _ALIGN, line.x1 - _ALIGN
    top, bottom = line.top + _RULE_SLACK, line.bottom - _RULE_SLACK
    for rule in rules:
        if rule.x0 > x0 or rule.x1 < x1:
            continue
        y = rule.y
        if y <= top and (above is None or y > above):
            above = y
        if y >= bottom and (below is None or y < below):
            below = y
    if above is None or below is None:
        return None
    return round(above, 1), round(below, 1)

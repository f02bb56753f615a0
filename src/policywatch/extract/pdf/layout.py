"""What a PDF page is made of once read: words, printed lines and their segments.

Coordinates are PDF points measured from the top-left of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Word:
    """A run of non-space characters as printed."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # the effective font size in points
    bold: bool
    baseline: float = 0.0
    start: int = -1  # index of its first character in the page's text


@dataclass
class Segment:
    """Words of one printed line between two wide gaps (a table cell or a column part)."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float = 0.0  # the font size most of its characters have
    bold: bool = False  # every word set in a bold face


@dataclass
class Line:
    """A printed line, or a whole table row (kind="table", one TAB row per entry)."""

    top: float
    bottom: float
    segments: list[Segment]
    kind: str = "text"
    table_rows: list[str] = field(default_factory=list)

    @property
    def size(self) -> float:
        segments = self.segments
        if len(segments) == 1:
            return segments[0].size
        return max(segments, key=lambda s: len(s.text)).size

    @property
    def bold(self) -> bool:
        return all(s.bold for s in self.segments)

    @property
    def x0(self) -> float:
        return self.segments[0].x0

    @property
    def x1(self) -> float:
        return self.segments[-1].x1

    @property
    def text(self) -> str:
        segments = self.segments
        if len(segments) == 1:
            return segments[0].text
        return "\t".join([s.text for s in segments])


@dataclass
class Rule:
    """A printed horizontal rule (a table border, a row's shading edge)."""

    y: float
    x0: float
    x1: float


@dataclass
class Post:
    """A printed vertical rule (a table's column border): cells never cross it."""

    x: float
    top: float
    bottom: float


@dataclass
class PageText:
    width: float
    height: float
    lines: list[Line]
    rules: list[Rule] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)

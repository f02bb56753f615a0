"""Text changes that only restate semantic ones: folded into them, never counted twice.

A policy whose coverage flipped shows the flip as a coverage change and again as a
word-level change of the section that holds the statement; a new history row is a
history change and again "Section 'Policy History': 21 words added". The second is
the same change in other clothes. A text change *restates* the semantic changes of
its diff when every word it removes is a word of some semantic change's old side
and every word it adds is one of some new side's (dates and counts also in the
spellings documents use: ``2026-11-03`` is ``11/03/2026`` and "November 3, 2026",
``3`` is "three"). Words like "the" and list numbers prove nothing either way and
are skipped; a text change with any other word of its own stays a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from policywatch.diff import Change
from policywatch.diff.normalize import STOPWORDS, norm_key

_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_MARKER = re.compile(r"^\(?(?:\d{1,3}|[A-Za-z]|[IVXivx]{2,5})[.)]$")


@dataclass(frozen=True)
class Restatement:
    """A text change and the semantic changes (listed before it) whose words it repeats."""

    change: Change
    restates: tuple[Change, ...]


def restatements(changes: Sequence[Change]) -> tuple[Restatement, ...]:
    """The text changes among ``changes`` that only restate its semantic changes."""
    semantic = [(c, _words(c.before), _words(c.after)) for c in changes if c.is_semantic]
    if not semantic:
        return ()
    old_words = set().union(*(before for _, before, _ in semantic))
    new_words = set().union(*(after for _, _, after in semantic))
    found = []
    for change in changes:
        if change.kind != "text" or not change.words:
            continue
        removed, added = _changed_words(change)
        if not (removed or added) or not (removed <= old_words and added <= new_words):
            continue
        found.append(Restatement(change, _fewest(semantic, removed, added)))
    return tuple(found)


def _fewest(
    semantic: list[tuple[Change, frozenset[str], frozenset[str]]],
    removed: set[str],
    added: set[str],
) -> tuple[Change, ...]:
    """The semantic changes a text change repeats: greedily, the one that explains most
    of its words still unexplained, until all are (ties go to the earlier change)."""
    left = {("-", w) for w in removed} | {("+", w) for w in added}
    covers = [
        (c, {("-", w) for w in removed & before} | {("+", w) for w in added & after})
        for c, before, after in semantic
    ]
    chosen: list[int] = []
    while left:
        best = max(range(len(covers)), key=lambda i: (len(covers[i][1] & left), -i))
        chosen.append(best)
        left -= covers[best][1]
    return tuple(covers[i][0] for i in sorted(chosen))


def countable(changes: Sequence[Change]) -> tuple[Change, ...]:
    """``changes`` without the text changes that only restate others."""
    folded = {id(r.change) for r in restatements(changes)}
    return tuple(c for c in changes if id(c) not in folded)


def _changed_words(change: Change) -> tuple[set[str], set[str]]:
    removed: set[str] = set()
    added: set[str] = set()
    for op, text in change.words or ():
        if op == "delete":
            removed |= _tokens(text)
        elif op == "insert":
            added |= _tokens(text)
    return removed - added, added - removed


def _tokens(text: str) -> set[str]:
    words = (w for w in text.split() if not _MARKER.match(w))
    return {t for word in words for t in norm_key(word).split()} - STOPWORDS


def _words(side: dict[str, Any] | None) -> frozenset[str]:
    """Every word a change's side holds, with the other spellings of its dates and counts."""
    found: set[str] = set()
    for value in _scalars(side):
        text = str(value)
        found |= _tokens(text)
        found |= _spellings(text)
    return frozenset(found)


def _scalars(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _scalars(key)
            yield from _scalars(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _scalars(item)
    elif value is not None and not isinstance(value, bool):
        yield value


def _spellings(text: str) -> set[str]:
    """A count as a word (3 → three), a date's parts as documents write them."""
    spelt: set[str] = set()
    if text.isdigit() and int(text) < len(_NUMBER_WORDS):
        spelt.add(_NUMBER_WORDS[int(text)])
    for word in text.split():
        match = _DATE.match(word)
        if match:
            spelt |= set(_date_parts(*match.groups()))
    return spelt


def _date_parts(year: str, month: str | None, day: str | None) -> Iterable[str]:
    yield year
    yield year[2:]
    for part in (month, day):
        if part:
            yield part
            yield str(int(part))
    if month and 1 <= int(month) <= 12:
        name = _MONTHS[int(month) - 1]
        yield name
        yield name[:3]

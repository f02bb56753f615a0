"""What a code search matches: the code itself, or a range entry that contains it.

Codes compare as the diff keys them (:func:`policywatch.diff.codes.norm_code`: case,
dashes and spacing unified), and also without dots, so ``C22.3`` and ``C223`` are
one ICD-10 code. A range ``FIRST-LAST`` contains a code of the same shape that
sorts between its bounds: ``17260-17286`` contains ``17270`` (not ``1727``),
``C22.0-C22.9`` contains ``C22.3`` and ``C22.31``, ``J9000-J9999`` contains
``J9035``. Any system: the search names a code, not where it is billed.
"""

from __future__ import annotations

import re

from policywatch.diff.codes import norm_code
from policywatch.model import Code

_RANGE = re.compile(r"^([A-Z0-9.]+)-([A-Z0-9.]+)$")


def _plain(code: str) -> str:
    return norm_code(code).replace(".", "").replace(" ", "")


def _shape(text: str) -> str:
    return "".join("9" if c.isdigit() else "A" for c in text)


def bounds(code: Code) -> tuple[str, str] | None:
    """A range entry's (first, last), dot-free; None for a single code."""
    if code.range and len(code.range) == 2:
        first, last = _plain(code.range[0]), _plain(code.range[1])
    else:
        match = _RANGE.match(norm_code(code.code))
        if not match:
            return None
        first, last = _plain(match.group(1)), _plain(match.group(2))
    return (first, last) if first != last else None


def in_range(code: str, first: str, last: str) -> bool:
    """``code`` (dot-free) lies in ``first``-``last``: same shape as the bounds, between them."""
    if len(code) < len(first) or _shape(code[: len(first)]) != _shape(first):
        return False
    return first <= code and code[: len(last)] <= last


def code_match(entry: Code, query: str) -> str | None:
    """How a code entry answers a search for ``query``: ``"code"`` when it is that code
    (or that very range), ``"range"`` when it is a range containing it, else None."""
    wanted = _plain(query)
    if not wanted:
        return None
    if _plain(entry.code) == wanted:
        return "code"
    span = bounds(entry)
    if span is not None and "-" not in wanted and in_range(wanted, *span):
        return "range"
    return None

"""Word-level diff for the reader, rendered by us (``difflib.HtmlDiff`` is quadratic).

Long unchanged runs are elided to a few words of context on each side, so a
one-word edit in a 3,000-word section stays a one-line read.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from policywatch.diff.changes import WordOp

CONTEXT_WORDS = 8
ELLIPSIS = "…"


@dataclass(frozen=True)
class WordDiff:
    ops: tuple[WordOp, ...]
    added: int  # words inserted
    removed: int  # words deleted


def word_diff(before: str, after: str, context: int = CONTEXT_WORDS) -> WordDiff:
    a, b = before.split(), after.split()
    ops: list[WordOp] = []
    added = removed = 0
    # autojunk stays on: very common words ("the") do not anchor matches, which keeps
    # long sections fast without hurting the alignment of real edits.
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes():
        if tag == "equal":
            ops.append(("equal", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            ops.append(("delete", " ".join(a[i1:i2])))
            removed += i2 - i1
        if j2 > j1:
            ops.append(("insert", " ".join(b[j1:j2])))
            added += j2 - j1
    return WordDiff(_elide(ops, context), added, removed)


def _elide(ops: list[WordOp], context: int) -> tuple[WordOp, ...]:
    result: list[WordOp] = []
    last = len(ops) - 1
    for n, (tag, text) in enumerate(ops):
        if tag != "equal":
            result.append((tag, text))
            continue
        words = text.split()
        head = words[:context] if n > 0 else []
        tail = words[-context:] if n < last else []
        if len(head) + len(tail) >= len(words):
            result.append((tag, text))
        else:
            result.append((tag, " ".join([*head, ELLIPSIS, *tail])))
    return tuple(result)

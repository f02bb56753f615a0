"""Pair list items across versions by identity, never by position.

Exact keys pair first (in document order when a key repeats); what is left
pairs greedily by the best similarity score above a threshold, so one
inserted item never shifts every following item into a false "modified".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Pairing:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (old index, new index)
    old_only: list[int] = field(default_factory=list)
    new_only: list[int] = field(default_factory=list)


def pair_exact(old_keys: Sequence[str], new_keys: Sequence[str]) -> Pairing:
    waiting: dict[str, list[int]] = defaultdict(list)
    for j, key in enumerate(new_keys):
        waiting[key].append(j)
    result = Pairing()
    for i, key in enumerate(old_keys):
        if waiting[key]:
            result.pairs.append((i, waiting[key].pop(0)))
        else:
            result.old_only.append(i)
    paired_new = {j for _, j in result.pairs}
    result.new_only = [j for j in range(len(new_keys)) if j not in paired_new]
    return result


def pair_fuzzy(
    old_idx: Sequence[int],
    new_idx: Sequence[int],
    score: Callable[[int, int], float],
    threshold: float,
) -> Pairing:
    """Greedy best-first pairing; ties go to document order so output is stable."""
    candidates = sorted(
        ((score(i, j), i, j) for i in old_idx for j in new_idx),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    result = Pairing()
    for value, i, j in candidates:
        if value < threshold:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        result.pairs.append((i, j))
    result.pairs.sort()
    result.old_only = [i for i in old_idx if i not in used_old]
    result.new_only = [j for j in new_idx if j not in used_new]
    return result


def pair_items(
    old_keys: Sequence[str],
    new_keys: Sequence[str],
    score: Callable[[int, int], float] | None = None,
    threshold: float = 0.5,
) -> Pairing:
    """Exact keys first, then (if ``score`` is given) fuzzy pairing of the rest."""
    exact = pair_exact(old_keys, new_keys)
    if score is None:
        return exact
    fuzzy = pair_fuzzy(exact.old_only, exact.new_only, score, threshold)
    return Pairing(
        pairs=sorted(exact.pairs + fuzzy.pairs),
        old_only=fuzzy.old_only,
        new_only=fuzzy.new_only,
    )

"""Coverage statements, matched by indication.

Exact indication keys pair first, then the rest by IDF-weighted token overlap
(wording moved: "primary or metastatic liver tumors" ↔ "primary or
metastatic tumors in the liver"). A statement whose indication is covered by
two or more narrower new statements is a split (and the mirror, a merge);
each part is reported against the statement it came from.

Severity: a status that moved, a statement added or removed, is high. So is a
change to the criteria of a statement that covers (medically necessary, NICE's
standard or special arrangements) with its status unchanged: a criterion removed
or narrowed narrows coverage, and a criterion added is a new hurdle before it.
What only rephrases the status ("may be considered" → "is considered"),
renumbers a list or moves punctuation stays medium ("wording changed").
"""

from __future__ import annotations

import re
from dataclasses import asdict

from policywatch.diff.changes import Change
from policywatch.diff.matching import pair_exact, pair_fuzzy
from policywatch.diff.normalize import (
    STOPWORDS,
    clip,
    containment,
    content_tokens,
    idf_weights,
    norm_key,
    norm_text,
    sentence_case,
    status_label,
    weighted_jaccard,
)
from policywatch.diff.words import word_diff
from policywatch.model import Action, ChangeKind, Coverage, CoverageStatus, Severity

MATCH_THRESHOLD = 0.5
# A narrower statement belongs to a wider one when this share of its words is in it.
PART_CONTAINMENT = 0.8
# Statuses under which a statement's criteria decide who is covered.
COVERING = frozenset(
    {
        CoverageStatus.MEDICALLY_NECESSARY,
        CoverageStatus.STANDARD_ARRANGEMENTS,
        CoverageStatus.SPECIAL_ARRANGEMENTS,
    }
)
# Words that phrase a status rather than state a criterion ("may be considered
# medically necessary" → "is considered medically necessary").
_STATUS_WORDS = frozenset(
    {"may", "can", "will", "are", "considered", "deemed", "medically", "necessary", "generally"}
)
# A list item's number or letter ("1.", "B)", "(ii)"): renumbering is not a criterion.
_MARKER = re.compile(r"^\(?(?:\d{1,3}|[A-Za-z]|[IVXivx]{2,5})[.)]$")
_EXCERPT = 70


def diff_coverage(old: list[Coverage], new: list[Coverage]) -> list[Change]:
    old_tokens = [content_tokens(c.indication) for c in old]
    new_tokens = [content_tokens(c.indication) for c in new]
    weights = idf_weights(old_tokens + new_tokens)
    exact = pair_exact([norm_key(c.indication) for c in old], [norm_key(c.indication) for c in new])
    fuzzy = pair_fuzzy(
        exact.old_only,
        exact.new_only,
        lambda i, j: weighted_jaccard(old_tokens[i], new_tokens[j], weights),
        MATCH_THRESHOLD,
    )
    partner_of_old = dict(fuzzy.pairs)
    partner_of_new = {j: i for i, j in fuzzy.pairs}
    splits = _find_parts(
        sorted(set(partner_of_old) | set(fuzzy.old_only)),
        partner_of_old,
        fuzzy.new_only,
        old_tokens,
        new_tokens,
    )
    split_parts = {j for parts in splits.values() for j in parts}
    merges = _find_parts(
        [
            j
            for j in sorted(set(partner_of_new) | set(fuzzy.new_only))
            if j not in split_parts and partner_of_new.get(j) not in splits
        ],
        partner_of_new,
        [i for i in fuzzy.old_only if i not in splits],
        new_tokens,
        old_tokens,
    )
    claimed_old = set(splits) | {i for parts in merges.values() for i in parts}
    claimed_new = split_parts | set(merges)

    ordered: list[tuple[float, float, Change]] = []
    for i, parts in splits.items():
        ordered += [(i, j, _split_part(old[i], new[j], len(parts))) for j in parts]
    for j, parts in merges.items():
        ordered += [(i, j, _merge_part(old[i], new[j])) for i in parts]
    paired_old: set[int] = set()
    paired_new: set[int] = set()
    for i, j in exact.pairs + fuzzy.pairs:
        if i in claimed_old or j in claimed_new:
            continue
        paired_old.add(i)
        paired_new.add(j)
        change = _compare(old[i], new[j])
        if change:
            ordered.append((i, j, change))
    for i in range(len(old)):
        if i not in claimed_old and i not in paired_old:
            ordered.append((i, -1, _removed(old[i])))
    for j in range(len(new)):
        if j not in claimed_new and j not in paired_new:
            ordered.append((float("inf"), j, _added(new[j])))
    ordered.sort(key=lambda item: (item[0], item[1]))
    return [change for _, _, change in ordered]


def _find_parts(
    wides: list[int],
    partner: dict[int, int],
    loose: list[int],
    wide_tokens: list[frozenset[str]],
    narrow_tokens: list[frozenset[str]],
) -> dict[int, list[int]]:
    """Wide items that two or more narrower items on the other side divide between them.

    A wide item's candidates are its fuzzy partner and the unpaired items whose
    words it contains; each narrow item joins at most one wide item.
    """
    taken: set[int] = set()
    result: dict[int, list[int]] = {}
    for wide in wides:
        candidates = [partner[wide]] if wide in partner else []
        candidates += [n for n in loose if n not in taken]
        parts = [
            n
            for n in candidates
            if narrow_tokens[n] != wide_tokens[wide]
            and containment(narrow_tokens[n], wide_tokens[wide]) >= PART_CONTAINMENT
        ]
        if len(parts) >= 2:
            result[wide] = sorted(parts)
            taken.update(parts)
    return result


def _transition(before: Coverage, after: Coverage) -> str:
    if before.status == after.status:
        return f"still {status_label(after.status)}"
    return f"{status_label(before.status)} → {status_label(after.status)}"


def _severity(before: Coverage, after: Coverage) -> Severity:
    return Severity.HIGH if before.status != after.status else Severity.MEDIUM


def _field(statement: Coverage) -> str:
    return f"coverage[{norm_text(statement.indication)}]"


def _label(statement: Coverage) -> str:
    return sentence_case(norm_text(statement.indication))


def _compare(before: Coverage, after: Coverage) -> Change | None:
    same_indication = norm_key(before.indication) == norm_key(after.indication)
    if (
        same_indication
        and before.status == after.status
        and norm_text(before.text) == norm_text(after.text)
    ):
        return None
    label = _label(before)
    if not same_indication:
        label += f" (now '{norm_text(after.indication)}')"
    severity = _severity(before, after)
    if before.status != after.status:
        summary = f"{label}: {_transition(before, after)}"
    elif (criteria := _criteria_change(before, after)) is not None:
        severity = Severity.HIGH
        summary = f"{label}: {criteria} ({_transition(before, after)})"
    else:
        summary = f"{label}: wording changed ({_transition(before, after)})"
    return Change(
        ChangeKind.COVERAGE, Action.MODIFIED, severity, _field(before), summary,
        asdict(before), asdict(after),
    )  # fmt: skip


def _criteria_change(before: Coverage, after: Coverage) -> str | None:
    """How the criteria of a covering statement moved, or None when they did not (its
    status is unchanged, or only the wording of the status or the list numbers moved).

    The words removed and added are those of the statement's text (of its indication
    when the texts agree): removed words alone narrow coverage, added words alone are
    a new criterion, both are criteria changed.
    """
    if before.status not in COVERING or after.status != before.status:
        return None
    old, new = norm_text(before.text), norm_text(after.text)
    if old == new:
        old, new = norm_text(before.indication), norm_text(after.indication)
    removed: list[str] = []
    added: list[str] = []
    for op, text in word_diff(old, new).ops:
        if op == "delete":
            removed.append(text)
        elif op == "insert":
            added.append(text)
    removed_words, added_words = _criterion_words(removed), _criterion_words(added)
    # a word moved within the statement ("older." → "older and …") is neither
    gone, new_words = removed_words - added_words, added_words - removed_words
    if gone and not new_words:
        return f"coverage narrowed, criteria removed: '{_excerpt(removed)}'"
    if new_words and not gone:
        return f"criteria added: '{_excerpt(added)}'"
    if gone and new_words:
        return f"criteria changed: '{_excerpt(removed)}' → '{_excerpt(added)}'"
    return None


def _criterion_words(pieces: list[str]) -> set[str]:
    """The words of these pieces that could state a criterion."""
    words = [w for piece in pieces for w in piece.split() if not _MARKER.match(w)]
    tokens = {t for word in words for t in norm_key(word).split()}
    return tokens - STOPWORDS - _STATUS_WORDS


def _excerpt(pieces: list[str]) -> str:
    return clip(" … ".join(pieces), _EXCERPT)


def _split_part(before: Coverage, part: Coverage, count: int) -> Change:
    summary = (
        f"{_label(before)}: split into {count} statements; "
        f"'{norm_text(part.indication)}': {_transition(before, part)}"
    )
    return Change(
        ChangeKind.COVERAGE, Action.MODIFIED, _severity(before, part), _field(before), summary,
        asdict(before), asdict(part),
    )  # fmt: skip


def _merge_part(part: Coverage, after: Coverage) -> Change:
    summary = (
        f"{_label(part)}: merged into '{norm_text(after.indication)}'; {_transition(part, after)}"
    )
    return Change(
        ChangeKind.COVERAGE, Action.MODIFIED, _severity(part, after), _field(part), summary,
        asdict(part), asdict(after),
    )  # fmt: skip


def _added(statement: Coverage) -> Change:
    summary = f"New coverage statement: {_label(statement)}: {status_label(statement.status)}"
    return Change(
        ChangeKind.COVERAGE,
        Action.ADDED,
        Severity.HIGH,
        _field(statement),
        summary,
        None,
        asdict(statement),
    )


def _removed(statement: Coverage) -> Change:
    summary = (
        f"Coverage statement removed: {_label(statement)} (was {status_label(statement.status)})"
    )
    return Change(
        ChangeKind.COVERAGE,
        Action.REMOVED,
        Severity.HIGH,
        _field(statement),
        summary,
        asdict(statement),
        None,
    )

"""Sections whose normalized text changed, with a word-level diff (low severity, for the reader)."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from policywatch.diff.changes import Change
from policywatch.diff.matching import pair_exact
from policywatch.diff.normalize import norm_key, norm_text
from policywatch.diff.words import word_diff
from policywatch.model import Action, ChangeKind, Section, Severity

# A list item's number, letter or bullet: renumbering a list is never a change.
_LIST_MARKER = re.compile(
    r"(?m)^[ \t]*(?:(?:\(?(?:\d{1,3}|[A-Za-z]|[IVXivx]{2,5})[.)]|[-•*])[ \t]*(?=\S)(?<=[ \t)]))+"
)


def section_text(text: str) -> str:
    """A section's words as compared and shown: list markers dropped, spacing normalized."""
    return norm_text(_LIST_MARKER.sub("", text))


def section_keys(old: list[Section], new: list[Section]) -> tuple[list[str], list[str]]:
    """One identity per section on each side: its heading, and for a heading that
    repeats ("Initial Authorization" under every indication) the occurrence it pairs
    with. When the count of a repeated heading changes, occurrences pair by their text,
    so a section inserted among its namesakes is added, not the others rewritten."""
    old_keys, new_keys = _occurrences(old), _occurrences(new)
    old_by, new_by = _by_heading(old_keys), _by_heading(new_keys)
    for heading, olds in old_by.items():
        news = new_by.get(heading, [])
        if len(olds) == len(news) or not news:
            continue
        texts = SequenceMatcher(
            None,
            [section_text(old[i].text) for i in olds],
            [section_text(new[j].text) for j in news],
        )
        for _tag, a0, a1, b0, b1 in texts.get_opcodes():
            paired = min(a1 - a0, b1 - b0)  # "equal" and "replace": the same place
            for k in range(paired):
                new_keys[news[b0 + k]] = old_keys[olds[a0 + k]]
            for j in news[b0 + paired : b1]:  # inserted among its namesakes
                new_keys[j] = f"{heading}#new{j}"
    return old_keys, new_keys


def _occurrences(sections: list[Section]) -> list[str]:
    seen: Counter[str] = Counter()
    keys = []
    for section in sections:
        heading = norm_key(section.heading)
        keys.append(f"{heading}#{seen[heading]}")
        seen[heading] += 1
    return keys


def _by_heading(keys: list[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key.rsplit("#", 1)[0], []).append(index)
    return groups


def diff_sections(old: list[Section], new: list[Section]) -> list[Change]:
    pairing = pair_exact(*section_keys(old, new))
    changes = []
    for i, j in pairing.pairs:
        change = _modified(old[i], new[j])
        if change:
            changes.append(change)
    changes += [_removed(old[i]) for i in pairing.old_only]
    changes += [_added(new[j]) for j in pairing.new_only]
    return changes


def _side(section: Section) -> dict[str, str]:
    return {"heading": section.heading, "text": section.text}


def _name(section: Section) -> str:
    return norm_text(section.heading) or "(untitled)"


def _field(section: Section) -> str:
    return f"sections[{_name(section)}]"


def _words(count: int) -> str:
    return f"{count} word" if count == 1 else f"{count} words"


def _modified(before: Section, after: Section) -> Change | None:
    old_text, new_text = section_text(before.text), section_text(after.text)
    if old_text == new_text:
        return None
    diff = word_diff(old_text, new_text)
    summary = f"Section '{_name(before)}': {_words(diff.added)} added, {diff.removed} removed"
    return Change(
        ChangeKind.TEXT, Action.MODIFIED, Severity.LOW, _field(before), summary,
        _side(before), _side(after), diff.ops,
    )  # fmt: skip


def _added(section: Section) -> Change:
    text = section_text(section.text)
    summary = f"Section '{_name(section)}' added ({_words(len(text.split()))})"
    return Change(
        ChangeKind.TEXT, Action.ADDED, Severity.LOW, _field(section), summary,
        None, _side(section), (("insert", text),),
    )  # fmt: skip


def _removed(section: Section) -> Change:
    text = section_text(section.text)
    summary = f"Section '{_name(section)}' removed ({_words(len(text.split()))})"
    return Change(
        ChangeKind.TEXT, Action.REMOVED, Severity.LOW, _field(section), summary,
        _side(section), None, (("delete", text),),
    )  # fmt: skip

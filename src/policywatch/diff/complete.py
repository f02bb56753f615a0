"""The completeness check: no difference between two policies goes unreported.

After the semantic differs and the text diff have run, DeepDiff compares the
two policies as *keyed documents*, and whatever it finds that no reported
change explains becomes a change of kind ``field`` (medium severity, the path
as its field, the two values as before / after). So a field no differ knows —
a new schema field, a new field of an item, a field a differ skips — can never
change silently.

Keyed document
    The policy's own fields, every one (known or new), with each list keyed by
    the identity its differ pairs by, so reordering is no difference: coverage
    by indication, codes by (system, code), evidence by population, references
    by citation (list number and PMID left out), history by (date, end date,
    action), sections by heading — each key normalized as its differ normalizes
    it (case, punctuation, spacing). An item becomes the fields its key does not
    already hold, in a list of the occurrences that share the key (a code listed
    twice is one code, as for its differ). Values are normalized as their
    differ compares them: text with :func:`~policywatch.diff.normalize.norm_text`
    (a field no differ knows too), metadata and code descriptions with
    ``norm_key``, a section's text without its list markers; nothing given
    (a field one side lacks, ``None``, ``""``, ``[]``, ``{}``) is one value.
    ``schema_version`` is the format's version, not the policy's: left out.

Explained
    A difference is explained when a reported change shows it:

    * a coverage, code, reference, history or evidence change explains the
      items it compares — the ones its ``before`` and ``after`` name, by key,
      whole — whichever way its differ paired them (a fuzzy match, a split or
      merge, a reworded population whose counts moved);
    * a text change explains the text of the sections under its heading, and
      a section added or removed whole (a new field of a section is not its text);
    * a date change explains ``dates.<its field>``; a metadata change, its field;
    * by design, a code description only one side gives is no difference
      (some editions list bare codes: :mod:`~policywatch.diff.codes`).

    Anything else is a ``field`` change, named like the differs name theirs
    (``coverage[liver tumors].criteria``, ``codes[CPT 17260-17286].range[1]``,
    ``plan``). An evidence population reworded with the same counts is one such
    difference: its differ pairs the two wordings and reports counts only.

Cost
    What DeepDiff could only find equal or explained is left out before it runs:
    fields and items equal on both sides (by value, wherever they stand), items
    a change shows whole (equal to its ``before`` or ``after``), explained keys
    and fields. Keys are computed only for what is left — usually nothing, and
    DeepDiff does not run at all (nor is it imported) — so the check costs well under
    a millisecond beside the differs' tens.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, is_dataclass, replace
from typing import Any

from policywatch.diff.changes import Change
from policywatch.diff.codes import code_key, norm_code
from policywatch.diff.history import history_key
from policywatch.diff.metadata import METADATA_LABELS
from policywatch.diff.normalize import clip, norm_key, norm_text, shorten
from policywatch.diff.references import citation_key
from policywatch.diff.text import section_text
from policywatch.model import (
    Action,
    ChangeKind,
    Code,
    HistoryEntry,
    Policy,
    Reference,
    Severity,
)

Path = tuple[str | int, ...]
Item = dict[str, Any]

# Fields that are the format's, not the policy's.
NOT_CONTENT = frozenset({"schema_version"})


def _normal(value: Any) -> Any:
    """Text as a reader sees it, in any structure; nothing given ("", [], {}) is None;
    other values as they are."""
    if isinstance(value, str):
        return norm_text(value) or None
    if is_dataclass(value) and not isinstance(value, type):
        value = vars(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()} or None
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value] or None
    return value


@dataclass(frozen=True)
class KeyedList:
    """How one list of the policy is keyed, and its items' values normalized."""

    kind: ChangeKind
    key: Callable[[Item], str]  # the identity the list's differ pairs by
    identity: frozenset[str]  # the item fields the key already holds
    label: Callable[[Item], str]  # the item as a change's field names it
    values: dict[str, Callable[[Any], Any]] = field(default_factory=dict)  # else _normal
    first_only: bool = False  # a repeat is the same item
    optional: tuple[str, ...] = ()  # fields one side may leave empty: no difference then


def _text(normal: Callable[[str], str]) -> Callable[[Any], Any]:
    return lambda v: (normal(v) or None) if isinstance(v, str) else _normal(v)


def _code_key(d: Item) -> str:
    return code_key(Code(system=d.get("system") or "", code=d.get("code") or ""))


def _reference_label(d: Item) -> str:
    pmid = norm_text(d.get("pmid"))
    return f"PMID {pmid}" if pmid else shorten(d.get("citation"), 50)


def _history_key(d: Item) -> str:
    return history_key(HistoryEntry(d.get("date") or "", d.get("action") or "", d.get("end_date")))


def _history_label(d: Item) -> str:
    return f"{d.get('date')} to {d['end_date']}" if d.get("end_date") else str(d.get("date"))


KEYED_LISTS: dict[str, KeyedList] = {
    "coverage": KeyedList(
        ChangeKind.COVERAGE,
        key=lambda d: norm_key(d.get("indication")),
        identity=frozenset({"indication"}),
        label=lambda d: norm_text(d.get("indication")),
    ),
    "codes": KeyedList(
        ChangeKind.CODE,
        key=_code_key,
        identity=frozenset({"system", "code"}),
        label=lambda d: f"{d.get('system')} {norm_code(d.get('code') or '')}",
        values={
            "description": _text(norm_key),
            "range": lambda v: [norm_code(b) for b in v] if isinstance(v, list) else _normal(v),
        },
        first_only=True,
        optional=("description",),  # some editions list bare codes
    ),
    "evidence": KeyedList(
        ChangeKind.EVIDENCE,
        key=lambda d: norm_key(d.get("population")),
        identity=frozenset({"population"}),
        label=lambda d: shorten(d.get("population"), 60),
    ),
    "references": KeyedList(
        ChangeKind.REFERENCE,
        key=lambda d: citation_key(Reference(citation=d.get("citation") or "")),
        identity=frozenset({"citation"}),
        label=_reference_label,
        values={"pmid": _text(norm_text)},
    ),
    "history": KeyedList(
        ChangeKind.HISTORY,
        key=_history_key,
        identity=frozenset({"date", "action", "end_date"}),
        label=_history_label,
    ),
    "sections": KeyedList(
        ChangeKind.TEXT,
        key=lambda d: norm_key(d.get("heading")),
        identity=frozenset({"heading"}),
        label=lambda d: norm_text(d.get("heading")) or "(untitled)",
        values={"text": _text(section_text)},
    ),
}
_LIST_OF_KIND = {spec.kind: name for name, spec in KEYED_LISTS.items()}


def unexplained(old: Policy, new: Policy, changes: Sequence[Change]) -> list[Change]:
    """A ``field`` change for every difference no change explains, ordered by path."""
    keyed = keyed_documents(old, new, Explained(changes))
    if keyed.before == keyed.after:
        return []
    # Imported here: it is seldom needed, and loading it costs every process ~0.1 s.
    from deepdiff import DeepDiff
    from deepdiff.helper import notpresent

    found = DeepDiff(keyed.before, keyed.after, view="tree", threshold_to_diff_deeper=0)
    out: list[tuple[list[str], Change]] = []
    for levels in found.values():
        for level in levels:
            path: Path = tuple(level.path(output_format="list"))
            t1 = None if level.t1 is notpresent else level.t1
            t2 = None if level.t2 is notpresent else level.t2
            change = _field_change(path, field_path(path, keyed.labels), t1, t2)
            whole = keyed.whole_items(path)
            if whole is not None:  # an item came or went: before / after show it whole
                change = replace(change, before=whole[0], after=whole[1])
            out.append(([str(p) for p in path], change))
    out.sort(key=lambda pair: pair[0])
    return [change for _, change in out]


# -- explanations ---------------------------------------------------------------------------


class Explained:
    """What the reported changes show (see the module docstring)."""

    def __init__(self, changes: Iterable[Change]) -> None:
        self.by_list: dict[str, list[Change]] = {}
        self.shown: dict[str, set[Hashable]] = {}  # list → fingerprints of the items shown whole
        self.fields: set[Path] = set()  # ("dates", name), (metadata field,)
        for change in changes:
            name = _LIST_OF_KIND.get(change.kind)
            if name is not None:
                self.by_list.setdefault(name, []).append(change)
                sides = (change.before, change.after)
                self.shown.setdefault(name, set()).update(_fingerprint(s) for s in sides if s)
            elif change.kind is ChangeKind.DATE:
                self.fields.add(("dates", change.field.removeprefix("dates.")))
            elif change.kind is ChangeKind.METADATA:
                self.fields.add((change.field,))
        self._keys: dict[str, tuple[set[str], set[str]]] = {}

    def shows_whole(self, name: str, item: Item) -> bool:
        return _fingerprint(item) in self.shown.get(name, ())

    def keys(self, name: str) -> tuple[set[str], set[str]]:
        """The keys of the list's items the changes explain whole, and of the sections
        whose text only they explain — computed once, and only for a list with items
        left to check."""
        if name not in self._keys:
            spec = KEYED_LISTS[name]
            whole: set[str] = set()
            text_only: set[str] = set()
            for change in self.by_list.get(name, []):
                keys = {spec.key(side) for side in (change.before, change.after) if side}
                text = change.kind is ChangeKind.TEXT and change.action is Action.MODIFIED
                (text_only if text else whole).update(keys)
            self._keys[name] = (whole, text_only)
        return self._keys[name]


def _fingerprint(item: Item) -> Hashable:
    """Equal for equal items (a change's side is ``asdict`` of the item it shows): its
    fields as a tuple, or their repr when a value is a list or a dict."""
    fields = tuple(item.items())
    try:
        hash(fields)
    except TypeError:
        return repr(fields)
    return fields


# -- keyed documents ------------------------------------------------------------------------


@dataclass
class Keyed:
    """The two keyed documents, and how a change names each keyed item in them."""

    before: Item = field(default_factory=dict)
    after: Item = field(default_factory=dict)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (list, key) → label
    items: dict[tuple[str, str], tuple[list[Item], list[Item]]] = field(default_factory=dict)

    def whole_items(self, path: Path) -> tuple[Item | None, Item | None] | None:
        """The items themselves, as the policies hold them, when ``path`` is a keyed item
        (or one occurrence of it) that only one side has; else None."""
        if str(path[0]) not in KEYED_LISTS or len(path) not in (2, 3):
            return None
        occurrence = path[2] if len(path) == 3 else None
        if len(path) == 3 and not isinstance(occurrence, int):
            return None
        sides = self.items.get((str(path[0]), str(path[1])), ([], []))

        def pick(items: list[Item]) -> Item | None:
            chosen = items[occurrence : occurrence + 1] if isinstance(occurrence, int) else items
            if len(chosen) > 1:
                return {"items": deepcopy(chosen)}
            return deepcopy(chosen[0]) if chosen else None

        return pick(sides[0]), pick(sides[1])


def keyed_documents(old: Policy, new: Policy, why: Explained) -> Keyed:
    """Both keyed documents, without what is equal or already explained."""
    old_fields, new_fields = vars(old), vars(new)
    keyed = Keyed()
    for name in sorted((old_fields.keys() | new_fields.keys()) - NOT_CONTENT):
        a, b = old_fields.get(name), new_fields.get(name)  # a field one side lacks is None
        if a == b or (name,) in why.fields:
            continue
        if name in KEYED_LISTS:
            a, b = _keyed_list(name, a, b, why, keyed)
        elif is_dataclass(a) and is_dataclass(b):  # dates, or a record no differ knows
            a, b = _record(name, _normal(a) or {}, _normal(b) or {}, why)
        else:
            normal = (lambda v: norm_key(v) or None) if name in METADATA_LABELS else _normal
            a, b = normal(a), normal(b)
        if a != b:
            keyed.before[name], keyed.after[name] = a, b
    return keyed


def _record(name: str, old: Item, new: Item, why: Explained) -> tuple[Item, Item]:
    keep = [k for k in old.keys() | new.keys() if (name, k) not in why.fields]
    return _aligned({k: old[k] for k in keep if k in old}, {k: new[k] for k in keep if k in new})


def _aligned(old: Item, new: Item) -> tuple[Item, Item]:
    """Both dicts with every key of either: a field one side lacks is None there."""
    for name in old.keys() - new.keys():
        new[name] = None
    for name in new.keys() - old.keys():
        old[name] = None
    return old, new


def _keyed_list(name: str, old: Any, new: Any, why: Explained, keyed: Keyed) -> tuple[Item, Item]:
    spec = KEYED_LISTS[name]
    olds = [i for i in _items(spec, old) if not why.shows_whole(name, i)]
    news = [i for i in _items(spec, new) if not why.shows_whole(name, i)]
    olds, news = _without_common(olds, news)
    if not olds and not news:
        return {}, {}
    old_groups, new_groups = _grouped(spec, olds), _grouped(spec, news)
    whole, text_only = why.keys(name)
    a: Item = {}
    b: Item = {}
    for key in (old_groups.keys() | new_groups.keys()) - whole:
        shown = ("text",) if key in text_only else ()
        values_a = [_values(spec, item, shown) for item in old_groups.get(key, [])]
        values_b = [_values(spec, item, shown) for item in new_groups.get(key, [])]
        for pair in zip(values_a, values_b, strict=False):
            _aligned(*pair)
        _drop_one_sided(spec, values_a, values_b)
        if values_a == values_b:
            continue
        if key in old_groups:
            a[key] = values_a
        if key in new_groups:
            b[key] = values_b
        keyed.labels[name, key] = spec.label((old_groups.get(key) or new_groups[key])[0])
        keyed.items[name, key] = (old_groups.get(key, []), new_groups.get(key, []))
    return a, b


def _items(spec: KeyedList, value: Any) -> list[Item]:
    """The list's items as dicts of their fields; a repeated key dropped where the
    differ counts it once."""
    items = [vars(v) if is_dataclass(v) else v for v in value] if isinstance(value, list) else []
    items = [item for item in items if isinstance(item, dict)]
    if not spec.first_only:
        return items
    seen: set[str] = set()
    out = []
    for item in items:
        key = spec.key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _without_common(old: list[Item], new: list[Item]) -> tuple[list[Item], list[Item]]:
    """Both sides without the items they share (a moved item is no difference)."""
    old_prints = [_fingerprint(item) for item in old]
    new_prints = [_fingerprint(item) for item in new]
    common = Counter(old_prints) & Counter(new_prints)
    if not common:
        return old, new

    def left(items: list[Item], prints: list[Hashable]) -> list[Item]:
        shared = Counter(common)
        out = []
        for item, fingerprint in zip(items, prints, strict=True):
            if shared[fingerprint]:
                shared[fingerprint] -= 1
            else:
                out.append(item)
        return out

    return left(old, old_prints), left(new, new_prints)


def _drop_one_sided(spec: KeyedList, old: list[Item], new: list[Item]) -> None:
    """An optional field only one side of a pair gives says nothing: out of both."""
    for before, after in zip(old, new, strict=False):
        for name in spec.optional:
            if not before.get(name) or not after.get(name):
                before.pop(name, None)
                after.pop(name, None)


def _grouped(spec: KeyedList, items: list[Item]) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(spec.key(item), []).append(item)
    return groups


def _values(spec: KeyedList, item: Item, shown: tuple[str, ...] = ()) -> Item:
    """An item's fields beyond its key (and beyond what a change shows), normalized."""
    return {
        name: spec.values.get(name, _normal)(value)
        for name, value in item.items()
        if name not in spec.identity and name not in shown
    }


# -- the change -----------------------------------------------------------------------------


def _field_change(path: Path, where: str, before: Any, after: Any) -> Change:
    if before is None:
        action, summary = Action.ADDED, f"{where} added: {_shown(after)}"
    elif after is None:
        action, summary = Action.REMOVED, f"{where} removed (was {_shown(before)})"
    else:
        action, summary = Action.MODIFIED, f"{where}: {_shown(before)} → {_shown(after)}"
    leaf = _leaf(path)
    return Change(
        ChangeKind.FIELD,
        action,
        Severity.MEDIUM,
        where,
        summary,
        None if action is Action.ADDED else {leaf: before},
        None if action is Action.REMOVED else {leaf: after},
    )


def field_path(path: Path, labels: dict[tuple[str, str], str] | None = None) -> str:
    """('codes', 'CPT 47371', 0, 'range') → 'codes[CPT 47371].range', an item named by its
    label where ``labels`` has one; a key's second occurrence is 'sections[Indications#2]'."""
    if not path:
        return ""
    out = str(path[0])
    rest = list(path[1:])
    if out in KEYED_LISTS and rest:
        key = str(rest.pop(0))
        key = (labels or {}).get((out, key), key)
        occurrence = rest.pop(0) if rest and isinstance(rest[0], int) else 0
        out += f"[{key}]" if occurrence == 0 else f"[{key}#{int(occurrence) + 1}]"
    for part in rest:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _leaf(path: Path) -> str:
    """What before / after name the value by: the last field, with any index after it
    ('range[1]'), or the item's key when the item itself came or went."""
    rest = list(path)
    if str(path[0]) in KEYED_LISTS and len(path) >= 2:
        rest = list(path[2:])
        if rest and isinstance(rest[0], int):
            rest.pop(0)  # the occurrence
        if not rest:
            return str(path[1])
    named = max((i for i, part in enumerate(rest) if isinstance(part, str)), default=0)
    return str(rest[named]) + "".join(f"[{part}]" for part in rest[named + 1 :])


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return f"'{clip(value, 70)}'"
    return clip(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), 70)

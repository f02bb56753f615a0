"""The run log: what a store commit says about the run that made it, as data.

Every store commit message is a :class:`Run` written by :meth:`Run.message` and
read back by :meth:`Run.from_message` — the writer and the reader side by side
(Open Terms Archive's data mapper), with trailers formatted and parsed here
only (:func:`format_trailers`, :func:`parse_trailers`). Nobody else reads a
commit message. A snapshot run's message::

    Snapshot 2026-11-02T06:00:00Z: 1 added, 1 changed, 1 failed

    Added:
    - <id> (<policy dir>)

    Changed:
    - <id> (<policy dir>)

    Failed (last version stays current):
    - <id> (<policy dir>): <stage>: <error>

    Other updates:
    - <id>: <note>; <note>

    Recovered (failed in the last recorded run):
    - <id>

    Policy library (from the indexes):
    - <index id> (new|retired|renamed): <title> <<link>>
    - <index id> (was): <title> <<link>>     after a renamed line: how it was listed

    Index failures (last listing stays current):
    - <index id> (<index dir>): <stage>: <error>

    Policywatch-Run: snapshot
    Policywatch-Schema: 1
    Policywatch-Source: <id> <location>      one per policy recorded
    Policywatch-Failed: <id>                 one per source that failed
    Policywatch-Recovered: <id>              one per source that failed last time
    Policywatch-Index: <index id>            one per index whose listing changed
    Policywatch-Index-Failed: <index id>     one per index that failed

(sections without entries are left out; a run with failures only says "No policy
changed; this run is recorded for its failures."). A ``reparse`` run lists the
policies it re-normalized and those it could not. Every snapshot run fetches
every configured source, so a snapshot run that does not name a source failed is
a run in which it did not fail. A commit without a ``Policywatch-Run`` trailer
was made by hand: its kind is ``manual`` and nothing else of it is read.

Each line is one line (whitespace runs collapsed), so ids, notes and errors read
back as written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from policywatch.model import SCHEMA_VERSION
from policywatch.store.instants import iso

SNAPSHOT = "snapshot"
REPARSE = "reparse"
MANUAL = "manual"  # a commit with no Policywatch-Run trailer: made by hand

RUN = "Policywatch-Run"
SCHEMA = "Policywatch-Schema"
SOURCE = "Policywatch-Source"
FAILED = "Policywatch-Failed"
RECOVERED = "Policywatch-Recovered"
INDEX = "Policywatch-Index"
INDEX_FAILED = "Policywatch-Index-Failed"

ADDED, CHANGED = "added", "changed"

_ADDED = "Added:"
_CHANGED = "Changed:"
_FAILED = "Failed (last version stays current):"
_NOTES = "Other updates:"
_RECOVERED = "Recovered (failed in the last recorded run):"
_ONLY_FAILURES = "No policy changed; this run is recorded for its failures."
_RENORMALIZED = "Re-normalized:"
_KEPT = "Failed (kept as they were):"
_REPARSE_NOTE = "Not a policy change: the raw documents are unchanged."
_NO_DETAILS = "failed (no details recorded)"
_LIBRARY = "Policy library (from the indexes):"
_WAS = "was"  # the line after a renamed entry: how it was listed before
_INDEX_FAILED = "Index failures (last listing stays current):"

_SUBJECT = re.compile(r"^Snapshot (\S+):")
_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$")


@dataclass(frozen=True)
class Recorded:
    """A policy a snapshot run recorded: a first version (``added``) or a new one."""

    source_id: str
    policy_dir: str
    location: str
    status: str  # "added" | "changed"


@dataclass(frozen=True)
class Failure:
    """A source a snapshot run could not record (``stage``: fetch, parse, worker,
    suspect, retired), or a policy a reparse could not re-normalize (no source id)."""

    source_id: str | None
    policy_dir: str | None
    stage: str | None
    error: str


@dataclass(frozen=True)
class LibraryLine:
    """An index entry a snapshot run saw appear (``new``), disappear (``retired``) or
    change title, number or link (``renamed``)."""

    index_id: str
    action: str  # "new" | "retired" | "renamed"
    title: str
    link: str
    was: str | None = None  # renamed: the title it was listed under
    was_link: str | None = None  # renamed: the link it was listed at, when it moved


@dataclass(frozen=True)
class Run:
    """One run as its commit message records it."""

    kind: str = MANUAL  # "snapshot" | "reparse" | "manual" (or a newer kind, as written)
    when: datetime | None = None  # a snapshot run's time, as its subject states it
    schema: int | None = SCHEMA_VERSION
    recorded: tuple[Recorded, ...] = ()
    failed: tuple[Failure, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()  # (source id, what else changed), in order
    recovered: tuple[str, ...] = ()  # source ids failing in the last recorded run, fine now
    renormalized: tuple[str, ...] = ()  # a reparse: the policy folders it rewrote
    library: tuple[LibraryLine, ...] = ()  # index entries new, retired or renamed
    index_failed: tuple[Failure, ...] = ()  # indexes not recorded (source_id: the index id)

    @property
    def is_snapshot(self) -> bool:
        """A snapshot run: it fetched every configured source (a hand commit did not)."""
        return self.kind == SNAPSHOT

    @property
    def is_reparse(self) -> bool:
        return self.kind == REPARSE

    @property
    def failed_ids(self) -> list[str]:
        """The sources a snapshot run named failed (none for a reparse or a hand commit)."""
        if not self.is_snapshot:
            return []
        return [f.source_id for f in self.failed if f.source_id is not None]

    def status_of(self, status: str) -> list[Recorded]:
        return [r for r in self.recorded if r.status == status]

    # -- writing ---------------------------------------------------------------------------

    def message(self) -> str:
        """The commit message: subject, sections, trailers; every line one line."""
        if self.kind == SNAPSHOT:
            lines = self._snapshot_lines()
        elif self.kind == REPARSE:
            lines = self._reparse_lines()
        else:
            raise ValueError(f"a {self.kind!r} run has no message policywatch writes")
        return "\n".join(_one_line(line) for line in lines) + "\n"

    def _trailers(self) -> list[tuple[str, str]]:
        pairs = [(RUN, self.kind)]
        if self.schema is not None:
            pairs.append((SCHEMA, str(self.schema)))
        return pairs

    def _snapshot_lines(self) -> list[str]:
        lines = [self._subject(), ""]
        if (self.failed or self.index_failed) and not (self.recorded or self.notes or self.library):
            lines += [_ONLY_FAILURES, ""]
        for status, title in ((ADDED, _ADDED), (CHANGED, _CHANGED)):
            chosen = self.status_of(status)
            if chosen:
                lines += [title, *[f"- {r.source_id} ({r.policy_dir})" for r in chosen], ""]
        if self.failed:
            lines += [_FAILED, *[_failure_item(f) for f in self.failed], ""]
        if self.notes:
            lines += [_NOTES, *[f"- {source_id}: {text}" for source_id, text in self.notes], ""]
        if self.recovered:
            lines += [_RECOVERED, *[f"- {source_id}" for source_id in self.recovered], ""]
        if self.library:
            lines += [_LIBRARY, *[line for item in self.library for line in _library_item(item)]]
            lines.append("")
        if self.index_failed:
            lines += [_INDEX_FAILED, *[_failure_item(f) for f in self.index_failed], ""]
        trailers = self._trailers()
        ids = {r.source_id: (r.status, r.policy_dir) for r in self.recorded}
        trailers += [(SOURCE, _source_value(r, ids)) for r in self.recorded]
        trailers += [(FAILED, source_id) for source_id in self.failed_ids]
        trailers += [(RECOVERED, source_id) for source_id in self.recovered]
        trailers += [(INDEX, index_id) for index_id in self.library_indexes]
        trailers += [(INDEX_FAILED, f.source_id or "") for f in self.index_failed]
        return lines + format_trailers(trailers)

    @property
    def library_indexes(self) -> list[str]:
        """The indexes named in the library section, in order, once each."""
        return list(dict.fromkeys(item.index_id for item in self.library))

    def _subject(self) -> str:
        stamp = iso(int(self.when.timestamp())) if self.when else "(undated)"
        counts = [
            (len(self.status_of(ADDED)), ADDED),
            (len(self.status_of(CHANGED)), CHANGED),
            (len(self.failed), "failed"),
        ]
        actions = [item.action for item in self.library]
        counts += [(actions.count(a), f"listed {a}") for a in ("new", "retired", "renamed")]
        counts.append((len(self.index_failed), "index failed"))
        said = ", ".join(f"{n} {what}" for n, what in counts if n)
        if self.recovered and not said:
            said = f"{len(self.recovered)} recovered"
        return f"Snapshot {stamp}: {said or 'source info updated'}"

    def _reparse_lines(self) -> list[str]:
        count = len(self.renormalized)
        lines = [f"Reparse: {count} policies re-normalized by a parser upgrade", ""]
        lines += [_REPARSE_NOTE, "", _RENORMALIZED, *[f"- {d}" for d in self.renormalized]]
        if self.failed:
            lines += ["", _KEPT, *[f"- {f.policy_dir}: {f.error}" for f in self.failed]]
        return [*lines, "", *format_trailers(self._trailers())]

    # -- reading ---------------------------------------------------------------------------

    @classmethod
    def from_message(cls, message: str) -> Run:
        """The run a commit message records (``manual`` when it has no run trailer)."""
        trailers = parse_trailers(message)
        kind = run_kind(trailers)
        schema = _int(_values(trailers, SCHEMA))
        if kind == SNAPSHOT:
            return _read_snapshot(message, trailers, schema)
        if kind == REPARSE:
            return _read_reparse(message, schema)
        return cls(kind, schema=schema)


def _failure_item(failure: Failure) -> str:
    said = f"{failure.stage}: {failure.error}" if failure.stage else failure.error
    return f"- {failure.source_id} ({failure.policy_dir}): {said}"


def _library_item(item: LibraryLine) -> list[str]:
    lines = [f"- {item.index_id} ({item.action}): {item.title} <{item.link}>"]
    if item.was is not None:
        lines.append(f"- {item.index_id} ({_WAS}): {item.was} <{item.was_link or item.link}>")
    return lines


def _read_library(items: list[str], index_ids: list[str]) -> list[LibraryLine]:
    """The library section's items, each read by the longest index id (from the
    trailers) it starts with, so an id with spaces or parentheses reads back whole."""
    known = sorted(set(index_ids), key=len, reverse=True)
    lines = []
    for item in items:
        index_id = next((i for i in known if item.startswith(f"{i} (")), None)
        if index_id is None:
            continue
        action, sep, rest = item[len(index_id) + 2 :].partition("): ")
        title, _, link = rest.rpartition(" <")
        if not (sep and link.endswith(">")):
            continue
        if action != _WAS:
            lines.append(LibraryLine(index_id, action, title, link[:-1]))
        elif lines and lines[-1].index_id == index_id and lines[-1].was is None:
            moved = link[:-1] if link[:-1] != lines[-1].link else None
            lines[-1] = replace(lines[-1], was=title, was_link=moved)
    return lines


def _one_line(text: str) -> str:
    # Error messages and ids end up in the commit message: keep each on one line.
    return " ".join(text.split()) if text else text


def _read_snapshot(message: str, trailers: list[tuple[str, str]], schema: int | None) -> Run:
    sections = _sections(message)
    entries: dict[str, tuple[str, str]] = {}  # source id → (status, policy dir)
    for status, title in ((ADDED, _ADDED), (CHANGED, _CHANGED)):
        for item in sections.get(title, []):
            source_id, _, rest = item.rpartition(" (")
            if source_id and rest.endswith(")"):
                entries[source_id] = (status, rest[:-1])
    recorded = []
    for value in _values(trailers, SOURCE):
        named, location = _read_source(value, entries)
        if named is not None:
            status, policy_dir = entries[named]
            recorded.append(Recorded(named, policy_dir, location, status))
    failed_items = _by_prefix(sections.get(_FAILED, []))
    notes = []
    for item in sections.get(_NOTES, []):
        source_id, sep, text = item.partition(": ")
        if sep:
            notes.append((source_id, text))
    subject = _SUBJECT.match(message)
    index_failed_items = _by_prefix(sections.get(_INDEX_FAILED, []))
    return Run(
        SNAPSHOT,
        when=_instant(subject.group(1)) if subject else None,
        schema=schema,
        recorded=tuple(recorded),
        failed=tuple(_read_failure(i, failed_items) for i in _values(trailers, FAILED)),
        notes=tuple(notes),
        recovered=tuple(_values(trailers, RECOVERED)),
        library=tuple(_read_library(sections.get(_LIBRARY, []), _values(trailers, INDEX))),
        index_failed=tuple(
            _read_failure(i, index_failed_items) for i in _values(trailers, INDEX_FAILED)
        ),
    )


def _read_failure(source_id: str, items: dict[str, str]) -> Failure:
    """The failure the Failed section gives for ``source_id`` (named by a trailer, so an
    id with spaces or parentheses reads back whole); ``items``: :func:`_by_prefix`."""
    item = items.get(source_id)
    if item is not None:
        policy_dir, sep, said = item[len(source_id) + 2 :].partition("): ")
        if sep:
            stage, sep, error = said.partition(": ")
            if not sep:  # no stage named: all of it is the error
                stage, error = "", said
            return Failure(source_id, policy_dir, stage or None, error.strip())
    return Failure(source_id, None, None, _NO_DETAILS)


def _by_prefix(items: list[str]) -> dict[str, str]:
    """Each text before a `` (`` in an item → the first item it begins."""
    found: dict[str, str] = {}
    for item in items:
        cut = item.find(" (")
        while cut != -1:
            found.setdefault(item[:cut], item)
            cut = item.find(" (", cut + 1)
    return found


def _read_reparse(message: str, schema: int | None) -> Run:
    sections = _sections(message)
    failed = []
    for item in sections.get(_KEPT, []):
        policy_dir, _, error = item.partition(": ")
        failed.append(Failure(None, policy_dir, None, error))
    return Run(
        REPARSE,
        schema=schema,
        renormalized=tuple(sections.get(_RENORMALIZED, [])),
        failed=tuple(failed),
    )


def _sections(message: str) -> dict[str, list[str]]:
    """Paragraphs that are a title line and ``- item`` lines: title → items."""
    found: dict[str, list[str]] = {}
    for paragraph in message.split("\n\n"):
        title, _, rest = paragraph.strip("\n").partition("\n")
        if title.endswith(":"):
            items = [line[2:] for line in rest.splitlines() if line.startswith("- ")]
            found.setdefault(title, []).extend(items)
    return found


def _source_value(recorded: Recorded, known: dict[str, tuple[str, str]]) -> str:
    """A Source trailer's value, "<id> <location>". An id holds spaces at times, so the
    reader takes the longest recorded id the value starts with; where that would be
    another id ("a b" + "c" against "a" + "b c") or the id starts with a quote, the id
    is written quoted (JSON). Every other value is written as it always was."""
    value = f"{recorded.source_id} {recorded.location}"
    if recorded.source_id.startswith('"') or _known_prefix(value, known) != recorded.source_id:
        return f"{json.dumps(recorded.source_id, ensure_ascii=False)} {recorded.location}"
    return value


def _read_source(value: str, known: dict[str, tuple[str, str]]) -> tuple[str | None, str]:
    """(source id, location) of a Source trailer (see :func:`_source_value`); the id is
    None when no recorded entry names it."""
    if value.startswith('"'):
        try:
            source_id, end = json.JSONDecoder().raw_decode(value)
        except ValueError:
            source_id, end = None, 0  # an id that starts with a quote, written as it is
        if isinstance(source_id, str) and source_id in known and value[end : end + 1] == " ":
            return source_id, value[end + 1 :]
    found = _known_prefix(value, known)
    return (found, value[len(found) + 1 :]) if found is not None else (None, "")


def _known_prefix(value: str, known: dict[str, tuple[str, str]]) -> str | None:
    """The longest known id that ``value`` starts with, followed by a space (an id may
    hold spaces; one dict lookup per space in the value)."""
    found = None
    space = value.find(" ")
    while space != -1:
        if value[:space] in known:
            found = value[:space]
        space = value.find(" ", space + 1)
    return found


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _int(values: list[str]) -> int | None:
    return int(values[0]) if values and values[0].isdigit() else None


# -- trailers ------------------------------------------------------------------------------


def format_trailers(pairs: list[tuple[str, str]]) -> list[str]:
    """``Key: value`` lines, in order (the message's last paragraph)."""
    return [f"{key}: {value}" for key, value in pairs]


def parse_trailers(message: str) -> list[tuple[str, str]]:
    """The trailers of a commit message, as git reads them: the last paragraph, when it is
    not the subject and every line of it is ``Key: value`` (a line starting with
    whitespace continues the one before)."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return []
    pairs: list[tuple[str, str]] = []
    for line in paragraphs[-1].strip("\n").splitlines():
        if line[:1] in (" ", "\t") and pairs:
            key, value = pairs[-1]
            pairs[-1] = (key, f"{value} {line.strip()}".strip())
            continue
        match = _TRAILER.match(line)
        if match is None:
            return []
        pairs.append((match.group(1), match.group(2)))
    return pairs


def _values(trailers: list[tuple[str, str]], key: str) -> list[str]:
    wanted = key.lower()
    return [value for name, value in trailers if name.lower() == wanted]


def run_kind(trailers: list[tuple[str, str]]) -> str:
    """A commit's kind from its (first) ``Policywatch-Run`` trailer; ``manual`` without."""
    values = _values(trailers, RUN)
    return values[0].split(",")[0].strip() if values and values[0].strip() else MANUAL


def kind_of(message: str) -> str:
    """The kind of run a commit message records, reading its trailers only."""
    return run_kind(parse_trailers(message))

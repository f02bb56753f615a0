"""What an index records: its entries, as data (``_index/<id>/index.json`` in the store).

An entry is keyed by its link (absolute, without a fragment). Entries that left the
listing stay, with the date they were retired: the file is the library's history, and
a retired policy's versions are never deleted from the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

INDEX_SCHEMA = 1


@dataclass(frozen=True)
class Entry:
    """One policy as the listing shows it."""

    link: str  # absolute; the entry's key
    title: str
    number: str | None = None
    dates: dict[str, str] = field(default_factory=dict)  # "effective", "last_review", …
    # Kept by the run (not read from the page):
    first_seen: str | None = None  # ISO date of the run that first listed it
    initial: bool = False  # listed in the index's first recorded run
    retired: str | None = None  # ISO date of the run that no longer listed it
    source: str | None = None  # the tracked source id derived from it (track all/new)

    @property
    def key(self) -> str:
        return self.link

    @property
    def active(self) -> bool:
        return self.retired is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "title": self.title,
            "number": self.number,
            "dates": dict(sorted(self.dates.items())),
            "first_seen": self.first_seen,
            "initial": self.initial,
            "retired": self.retired,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        dates = data.get("dates") or {}
        return cls(
            link=str(data["link"]),
            title=str(data.get("title") or ""),
            number=data.get("number"),
            dates={str(k): str(v) for k, v in dates.items()},
            first_seen=data.get("first_seen"),
            initial=bool(data.get("initial")),
            retired=data.get("retired"),
            source=data.get("source"),
        )

    def listed_as(self, other: Entry) -> Entry:
        """This stored entry as ``other`` (freshly read) lists it now."""
        return replace(self, title=other.title, number=other.number, dates=other.dates)


@dataclass(frozen=True)
class IndexRecord:
    """An index as the store keeps it."""

    id: str
    payer: str
    location: str
    plan: str | None = None
    track: str = "none"
    entries: tuple[Entry, ...] = ()
    etag: str | None = None
    last_modified: str | None = None

    @property
    def active(self) -> list[Entry]:
        return [e for e in self.entries if e.active]

    def to_bytes(self) -> bytes:
        data = {
            "schema_version": INDEX_SCHEMA,
            "id": self.id,
            "payer": self.payer,
            "plan": self.plan,
            "location": self.location,
            "track": self.track,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "entries": [e.to_dict() for e in sorted(self.entries, key=lambda e: e.link)],
        }
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
        return (text + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | None) -> IndexRecord | None:
        """The stored record, or None when absent or unreadable."""
        if data is None:
            return None
        try:
            loaded = json.loads(data)
            return cls(
                id=str(loaded["id"]),
                payer=str(loaded["payer"]),
                location=str(loaded.get("location") or ""),
                plan=loaded.get("plan"),
                track=str(loaded.get("track") or "none"),
                entries=tuple(Entry.from_dict(e) for e in loaded.get("entries") or []),
                etag=loaded.get("etag"),
                last_modified=loaded.get("last_modified"),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

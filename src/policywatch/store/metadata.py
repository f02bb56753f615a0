"""A policy folder's metadata files as data: ``meta.json`` and ``failed/error.json``.

Both are flat canonical JSON objects (:func:`.layout.dump`). Reading is lenient
(a missing or mistyped key reads as None) and keeps keys it does not know, so a
store written by a newer version reads and rewrites without loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from policywatch.model import SCHEMA_VERSION
from policywatch.store.layout import dump, load_json

# The source's entry in the sources config, as meta.json repeats it.
SOURCE_KEYS = ("id", "payer", "url", "path", "title", "plan", "notes")


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Meta:
    """``meta.json``: where the current version came from and how to ask for the next.

    ``raw`` names the raw file; ``etag`` / ``last_modified`` are the HTTP validators
    of those bytes; ``final_url`` is where a redirected fetch ended (absent otherwise).
    """

    id: str | None = None
    payer: str | None = None
    url: str | None = None
    path: str | None = None
    title: str | None = None
    plan: str | None = None
    notes: str | None = None
    raw: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    schema_version: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> str | None:
        """The configured location: the URL, else the file path."""
        return self.url or self.path

    def source_info(self) -> dict[str, str | None]:
        return {key: getattr(self, key) for key in SOURCE_KEYS}

    def with_source_of(self, other: Meta) -> Meta:
        """This meta with ``other``'s source info (the validators stay this meta's)."""
        return replace(
            self,
            id=other.id,
            payer=other.payer,
            url=other.url,
            path=other.path,
            title=other.title,
            plan=other.plan,
            notes=other.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {**self.extra, **self.source_info()}
        data.update(
            raw=self.raw,
            etag=self.etag,
            last_modified=self.last_modified,
            schema_version=self.schema_version,
        )
        if self.final_url is not None:
            data["final_url"] = self.final_url
        return data

    def to_bytes(self) -> bytes:
        return dump(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Meta:
        version = data.get("schema_version")
        return cls(
            **{key: _text(data, key) for key in _META_TEXT},
            schema_version=version if isinstance(version, int) else SCHEMA_VERSION,
            extra={k: v for k, v in data.items() if k not in _META_KEYS},
        )

    @classmethod
    def from_bytes(cls, data: bytes | None) -> Meta | None:
        loaded = load_json(data)
        return None if loaded is None else cls.from_dict(loaded)


_META_TEXT = tuple(f.name for f in fields(Meta) if f.name not in ("extra", "schema_version"))
_META_KEYS = frozenset({*_META_TEXT, "schema_version"})


@dataclass(frozen=True)
class FailedRecord:
    """``failed/error.json``: why the bytes under ``failed/`` were not recorded.

    ``stage`` is ``parse`` (the document did not parse) or a gate verdict
    (``suspect``, ``retired``).
    """

    id: str | None
    location: str | None
    stage: str | None
    error: str | None
    final_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "location": self.location,
            "stage": self.stage,
            "error": self.error,
        }
        if self.final_url is not None:
            data["final_url"] = self.final_url
        return data

    def to_bytes(self) -> bytes:
        return dump(self.to_dict())

    @classmethod
    def from_bytes(cls, data: bytes | None) -> FailedRecord | None:
        loaded = load_json(data)
        if loaded is None:
            return None
        keys = ("id", "location", "stage", "error", "final_url")
        return cls(*(_text(loaded, key) for key in keys))

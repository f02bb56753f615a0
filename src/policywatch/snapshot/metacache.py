"""The meta.json a source gets, and the cache that spares the run reading it.

Most meta.json files say exactly what the sources config says (a local file, or a
URL that sent no validators): :func:`source_meta` of the source and its raw file
name. The run needs every source's stored meta (payer, location, validators), but
reading thousands of blobs each night to learn what the config already says would
dominate an unchanged rerun. :class:`MetaCache` remembers, per source and raw
file name, the blob id of that as-configured meta.json; a stored blob with that id
needs no read. Only the others are read from the store. The cache lives in
``.git/policywatch/meta-memo.json``, keyed by the config file's exact bytes and
the schema version; a cache that is missing, stale or unwritable costs only reads.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from policywatch.fetch import Validators
from policywatch.model import SCHEMA_VERSION
from policywatch.sources import Source
from policywatch.store import Meta, PolicyFolder, Store, blob_id


def source_meta(
    source: Source,
    raw: str,
    validators: Validators | None = None,
    final_url: str | None = None,
) -> Meta:
    """meta.json for ``source``'s version stored as ``raw``."""
    return Meta(
        id=source.id,
        payer=source.payer,
        url=source.url,
        path=source.path,
        title=source.title,
        plan=source.plan,
        notes=source.notes,
        raw=raw,
        etag=validators.etag if validators else None,
        last_modified=validators.last_modified if validators else None,
        final_url=final_url,
    )


def says_source(meta: Meta, source: Source) -> bool:
    """The meta's source info is the config's for ``source`` (compared in place: every
    unchanged source is checked on every run)."""
    return (
        meta.id == source.id
        and meta.payer == source.payer
        and meta.url == source.url
        and meta.path == source.path
        and meta.title == source.title
        and meta.plan == source.plan
        and meta.notes == source.notes
    )


def as_configured(meta: Meta) -> bool:
    """The meta says no more than the config does (no validators, no redirect)."""
    return meta.etag is None and meta.last_modified is None and meta.final_url is None


class MetaCache:
    """source id → raw file name → blob id of the meta.json the config alone gives."""

    FILE = "meta-memo.json"  # its name since the first release that kept it

    def __init__(self, state_dir: Path, config_key: str) -> None:
        self.path = state_dir / self.FILE
        self.key = f"{config_key}:{SCHEMA_VERSION}"
        self.blobs: dict[str, dict[str, str]] = {}
        self.dirty = False
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("key") == self.key and isinstance(data.get("blobs"), dict):
                self.blobs = data["blobs"]
        except (OSError, ValueError, AttributeError):
            pass  # no cache yet, or not ours: compute

    def expected_blob(self, source: Source, raw: str) -> str:
        by_raw = self.blobs.setdefault(source.id, {})
        blob = by_raw.get(raw)
        if blob is None:
            blob = by_raw[raw] = blob_id(source_meta(source, raw).to_bytes())
            self.dirty = True
        return blob

    def remember(self, source: Source, raw: str, meta: bytes) -> None:
        """``meta`` is what the config alone gives for ``raw``: keep its blob id."""
        self.blobs.setdefault(source.id, {})[raw] = blob_id(meta)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        tmp = self.path.with_name(f".{self.FILE}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):  # a cache that cannot be written is no error
            tmp.write_text(json.dumps({"key": self.key, "blobs": self.blobs}), encoding="utf-8")
            os.replace(tmp, self.path)

    def stored_meta(
        self, store: Store, sources: list[Source], folders: dict[str, PolicyFolder]
    ) -> dict[str, Meta]:
        """policy dir → stored meta.json of each configured source's folder: built from
        the config where the blob id says it is as configured, read from the store
        (one batched read) otherwise."""
        found: dict[str, Meta] = {}
        unknown = []
        for source in sources:
            folder = folders.get(source.store_dir)
            if folder is None or folder.meta_blob is None:
                continue
            raw = folder.raw_name or ""
            if self.expected_blob(source, raw) == folder.meta_blob:
                found[folder.dir] = source_meta(source, raw)
            else:
                unknown.append(folder)
        found.update(store.read_meta(unknown))
        return found

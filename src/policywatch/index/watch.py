"""One index in a snapshot run: fetch its pages, merge the listing into the stored
record, say what changed, and name the policies it makes tracked sources.

Fetching uses the run's :class:`~policywatch.fetch.Fetcher` (conditional request on
the first page, deadline, retries). A listing that fails to fetch, or reads as a
broken page (:func:`.diff.suspect_reason`), records nothing: the stored record stays,
and its tracked policies are still snapshotted. Pagination follows "next" links, at
most :data:`MAX_PAGES` pages, never the same page twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from policywatch.fetch import Fetcher, Validators
from policywatch.index.diff import LibraryChange, compare, suspect_reason
from policywatch.index.extract import read_page
from policywatch.index.model import Entry, IndexRecord
from policywatch.sources import IndexSource, Source, slugify
from policywatch.store import Store, index_path, index_paths

MAX_PAGES = 50


@dataclass
class IndexOutcome:
    """What one index came to in a run."""

    id: str
    status: str  # "added" (first listing) | "changed" | "unchanged" | "failed"
    path: str  # index.json in the store
    location: str
    payer: str = ""
    plan: str | None = None
    stage: str | None = None  # failed: "fetch" | "parse" | "suspect"
    error: str | None = None
    pages: int = 0
    entries: int = 0  # active entries after the run
    changes: list[LibraryChange] = field(default_factory=list)
    record: IndexRecord | None = None  # what to store (None: nothing to write)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "path": self.path,
            "location": self.location,
            "stage": self.stage,
            "error": self.error,
            "pages": self.pages,
            "entries": self.entries,
            "changes": [
                {"action": str(c.action), "title": c.entry.title, "link": c.entry.link}
                for c in self.changes
            ],
        }


def stored_records(store: Store, tree: dict[str, str]) -> dict[str, IndexRecord]:
    """Index slug → its stored record, from a tree listing (one blob read each)."""
    found = index_paths(tree)
    slugs = sorted(found)
    blobs = store.read_blobs([found[s] for s in slugs])
    records = {}
    for slug, data in zip(slugs, blobs, strict=True):
        record = IndexRecord.from_bytes(data)
        if record is not None:
            records[slug] = record
    return records


def watch_index(
    index: IndexSource,
    prior: IndexRecord | None,
    fetcher: Fetcher,
    today: str,
    accept: bool = False,
) -> IndexOutcome:
    """Fetch ``index`` and merge its listing into ``prior``; never raises."""
    outcome = IndexOutcome(
        index.id, "unchanged", index_path(index.slug), index.location, index.payer, index.plan
    )
    outcome.entries = len(prior.active) if prior else 0
    same_place = prior is not None and prior.location == index.location
    validators = Validators(prior.etag, prior.last_modified) if prior and same_place else None
    try:
        listed, first = _fetch_listing(index, fetcher, validators, outcome)
    except _Failed as exc:
        outcome.status, outcome.stage, outcome.error = "failed", exc.stage, str(exc)
        return outcome
    if listed is None:  # 304: the listing is as stored
        return outcome
    before = prior.active if prior else []
    reason = suspect_reason(before, listed) if not accept else None
    if prior is None and not listed:
        reason = "the index lists no policies"
    if reason is not None:
        outcome.status, outcome.stage, outcome.error = "failed", "suspect", reason
        return outcome
    outcome.changes = compare(before, listed) if prior is not None else []
    record = _merge(index, prior, listed, today, first)
    outcome.record = record
    outcome.entries = len(record.active)
    if prior is None:
        outcome.status = "added"
    elif record != prior:
        outcome.status = "changed"
    return outcome


class _Failed(Exception):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


def _fetch_listing(
    index: IndexSource,
    fetcher: Fetcher,
    validators: Validators | None,
    outcome: IndexOutcome,
) -> tuple[list[Entry] | None, Validators]:
    source = index.as_source()
    base = index.url or Path(index.location).as_uri()
    entries: list[Entry] = []
    seen: set[str] = set()
    first = Validators()
    url: str | None = base
    while url is not None and outcome.pages < MAX_PAGES and url not in seen:
        seen.add(url)
        page_source = source if url == base else _page_source(index, source, url)
        fetched = fetcher.fetch(page_source, validators if url == base else None)
        if fetched.status == "not_modified" and url == base:
            return None, first
        if fetched.status != "ok" or fetched.data is None:
            where = "" if url == base else f" (page {outcome.pages + 1}: {url})"
            raise _Failed("fetch", f"{fetched.error or fetched.status}{where}")
        if url == base:
            first = fetched.validators
        try:
            page = read_page(fetched.data, url, index.include, index.exclude)
        except Exception as exc:  # one bad page fails this index, never the run
            raise _Failed("parse", f"{type(exc).__name__}: {exc}") from None
        outcome.pages += 1
        entries.extend(page.entries)
        url = _next_page(index, page.next_url)
    unique = {e.link: e for e in reversed(entries)}  # the first listing of a link wins
    return [e for e in entries if unique.get(e.link) is e], first


def _next_page(index: IndexSource, link: str | None) -> str | None:
    """The "Next" page to follow: for a web index, an http(s) page (a page can never
    make us read a local file); for a saved listing, only a file in its own folder."""
    if link is None:
        return None
    parts = urlsplit(link)
    if index.url is not None:
        return link if parts.scheme.lower() in ("http", "https") else None
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return link if Path(unquote(parts.path)).parent == Path(index.location).parent else None


def _page_source(index: IndexSource, source: Source, url: str) -> Source:
    """Another page of the index, fetched as the index is: by URL, or (a saved listing's
    page) a file by its path."""
    if index.url is None:
        return replace(source, url=None, path=unquote(urlsplit(url).path))
    return replace(source, url=url, path=None)


def _merge(
    index: IndexSource,
    prior: IndexRecord | None,
    listed: list[Entry],
    today: str,
    validators: Validators,
) -> IndexRecord:
    """The stored record after this listing: entries carry when they were first seen
    (and their tracked source id) across renames; those no longer listed are retired."""
    known = {e.link: e for e in prior.entries} if prior else {}
    by_number = {e.number: e for e in known.values() if e.number and e.active}
    listed_links = {e.link for e in listed}
    merged: dict[str, Entry] = {}
    for entry in listed:
        previous = known.get(entry.link)
        if previous is None and entry.number and entry.number in by_number:
            moved = by_number[entry.number]
            if moved.link not in listed_links:  # same number, new link: the same policy
                previous = replace(moved, link=entry.link)
                known.pop(moved.link, None)
        if previous is not None and previous.active:
            merged[entry.link] = previous.listed_as(entry)
        else:  # new, or back after a retirement
            merged[entry.link] = replace(entry, first_seen=today, initial=prior is None)
    for link, entry in known.items():
        if link not in merged:
            merged[link] = entry if entry.retired else replace(entry, retired=today)
    entries = tuple(_tracked(index, e) for e in merged.values())
    return IndexRecord(
        index.id,
        index.payer,
        index.location,
        index.plan,
        index.track,
        tuple(sorted(entries, key=lambda e: e.link)),
        validators.etag,
        validators.last_modified,
    )


def _tracked(index: IndexSource, entry: Entry) -> Entry:
    if entry.source is not None or not entry.active or not wants(index.track, entry):
        return entry
    return replace(entry, source=derived_id(index, entry))


def wants(track: str, entry: Entry) -> bool:
    """Whether ``track`` makes this entry a tracked source."""
    return track == "all" or (track == "new" and not entry.initial)


def derived_id(index: IndexSource, entry: Entry) -> str:
    """A listed policy's source id: the index id and the policy number, else a hash of
    the link (kept in the record once given, so a later rename never moves it)."""
    if entry.number and slugify(entry.number):
        return f"{index.id}-{slugify(entry.number)}"
    return f"{index.id}-{hashlib.sha256(entry.link.encode()).hexdigest()[:10]}"


def tracked_sources(
    index: IndexSource, record: IndexRecord | None, configured: list[Source]
) -> list[Source]:
    """The sources an index's record makes tracked (active entries with a source id),
    leaving out those a configured source already tracks (same id, folder or link)."""
    if record is None or index.track == "none":
        return []
    ids = {s.id for s in configured} | {s.store_dir for s in configured}
    links = {s.location for s in configured}
    found = []
    for entry in record.active:
        if entry.source is None or not wants(index.track, entry):
            continue
        source = _as_source(index, entry)
        if source.id in ids or source.store_dir in ids or source.location in links:
            continue
        ids |= {source.id, source.store_dir}
        found.append(source)
    return found


def _as_source(index: IndexSource, entry: Entry) -> Source:
    assert entry.source is not None
    parts = urlsplit(entry.link)
    if parts.scheme == "file":
        return Source(entry.source, index.payer, None, unquote(parts.path), entry.title, index.plan)
    return Source(entry.source, index.payer, entry.link, None, entry.title, index.plan)

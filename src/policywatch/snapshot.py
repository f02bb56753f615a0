"""A snapshot run: sources → fetch → parse → store, one commit for the whole run.

Per source, :func:`process_source` (fetch + parse; no store writes, so it can
later run in a worker pool) gives a :class:`Processed`; the run then records
it in one store transaction. Outcomes are explicit — added, changed,
unchanged, failed — and one bad source never stops the run:

* bytes identical to the stored raw file are ``unchanged`` without parsing;
* new bytes whose normalized policy is identical are ``unchanged`` too and
  are not stored (dynamic page furniture would otherwise commit nightly);
* a failed fetch records nothing; bytes that fetched but did not parse go to
  ``failed/`` beside the current version, which stays current.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from policywatch.errors import PolicywatchError
from policywatch.fetch import Fetcher, FetchSettings, Validators
from policywatch.model import SCHEMA_VERSION
from policywatch.sources import Source, load_sources
from policywatch.store import (
    DEFAULT_LOCK_TIMEOUT,
    ERROR_FILE,
    FAILED_DIR,
    META_FILE,
    POLICY_FILE,
    PolicyFolder,
    Store,
    Transaction,
    blob_id,
    derive_policy_json,
    dump,
    meta_document,
    raw_name,
    store_path,
)
from policywatch.store.history import iso
from policywatch.store.records import group_folders

Status = Literal["added", "changed", "unchanged", "failed"]
STATUSES: tuple[Status, ...] = ("added", "changed", "unchanged", "failed")


@dataclass(frozen=True)
class Prior:
    """What the store holds for a source, as much as fetch + parse need."""

    raw_blob: str | None = None
    json_blob: str | None = None
    payer: str | None = None
    location: str | None = None
    validators: Validators = field(default_factory=Validators)

    @classmethod
    def of(cls, folder: PolicyFolder | None) -> Prior | None:
        if folder is None or not folder.has_policy:
            return None
        meta = folder.meta or {}
        validators = Validators(meta.get("etag"), meta.get("last_modified"))
        location = meta.get("url") or meta.get("path")
        return cls(folder.raw_blob, folder.json_blob, meta.get("payer"), location, validators)


@dataclass(frozen=True)
class Processed:
    """Fetch + parse result for one source (plain data: picklable for a worker pool)."""

    status: Status
    stage: str | None = None  # "fetch" | "parse" when failed
    error: str | None = None
    data: bytes | None = None  # raw bytes to record (new version, or failed/)
    policy_json: str | None = None
    validators: Validators = field(default_factory=Validators)


def process_source(source: Source, prior: Prior | None, fetcher: Fetcher) -> Processed:
    """Fetch and parse one source, compared with what the store holds; never raises."""
    same_place = prior is not None and prior.location == source.location
    outcome = fetcher.fetch(source, prior.validators if prior and same_place else None)
    if outcome.status == "failed":
        return Processed("failed", "fetch", outcome.error)
    if outcome.status == "not_modified":
        if prior is not None:
            return Processed("unchanged")
        return Processed("failed", "fetch", "HTTP 304 Not Modified, but no version is stored")
    data = outcome.data or b""
    if prior and prior.raw_blob == blob_id(data) and prior.payer == source.payer:
        return Processed("unchanged")  # same bytes: nothing to parse
    try:
        policy_json = derive_policy_json(data, source.payer)
    except PolicywatchError as exc:
        return Processed("failed", "parse", str(exc), data, validators=outcome.validators)
    except Exception as exc:  # a parser bug on one document must not stop the run
        error = f"parser error: {type(exc).__name__}: {exc}"
        return Processed("failed", "parse", error, data, validators=outcome.validators)
    if prior and prior.json_blob == blob_id(policy_json.encode("utf-8")):
        return Processed("unchanged")
    status: Status = "changed" if prior else "added"
    return Processed(status, None, None, data, policy_json, outcome.validators)


@dataclass
class SourceOutcome:
    id: str
    status: Status
    policy: str  # store folder, payer-slug/policy-slug
    location: str
    stage: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "policy": self.policy,
            "location": self.location,
            "stage": self.stage,
            "error": self.error,
            "notes": self.notes,
        }


@dataclass
class SnapshotSummary:
    when: datetime
    store: str
    outcomes: list[SourceOutcome] = field(default_factory=list)
    commit: str | None = None

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 every source fine; 3 the run completed but some sources failed."""
        return 3 if self.failed else 0

    def line(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES)
        where = f"commit {self.commit[:12]}" if self.commit else "no commit (nothing changed)"
        stamp = iso(int(self.when.timestamp()))
        return f"snapshot {stamp}: {len(self.outcomes)} sources: {counts}; {where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": iso(int(self.when.timestamp())),
            "store": self.store,
            "commit": self.commit,
            "counts": {s: self.count(s) for s in STATUSES},
            "exit_code": self.exit_code,
            "sources": [o.to_dict() for o in self.outcomes],
        }


Progress = Callable[[SourceOutcome, int], None]  # (outcome, number of sources)


def run_snapshot(
    config: str | Path,
    store_dir: str | Path,
    as_of: datetime | None = None,
    settings: FetchSettings | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    progress: Progress | None = None,
) -> SnapshotSummary:
    """Snapshot every source into the store (one commit if anything changed)."""
    state_dir = Path(store_dir) / ".git" / "policywatch"
    cache_dir = state_dir if state_dir.is_dir() else None  # no store is created for a bad config
    sources = load_sources(config, cache_dir)
    when = as_of or datetime.now(UTC)
    summary = SnapshotSummary(when, str(store_dir))
    with Store.open_for_write(store_dir, lock_timeout) as store, Fetcher(settings) as fetcher:
        if cache_dir is None:  # a new store: keep the parsed config for the next run
            load_sources(config, store.state_dir)
        if as_of is not None:
            _check_as_of(store, as_of)
        txn = store.transaction()
        folders = group_folders(txn.base)
        _attach_meta(store, sources, folders)
        priors = {s.id: Prior.of(folders.get(s.store_dir)) for s in sources}
        try:
            for source in sources:
                # Sequential on purpose: threads lost to GIL hand-offs on local files
                # (see benchmarks/snapshot.py); a worker pool can map process_source.
                processed = process_source(source, priors[source.id], fetcher)
                outcome = record(txn, source, folders.get(source.store_dir), processed)
                summary.outcomes.append(outcome)
                if progress is not None:
                    progress(outcome, len(sources))
            summary.commit = txn.commit(commit_message(summary), when)
        finally:
            txn.abort()
    return summary


def _attach_meta(store: Store, sources: list[Source], folders: dict[str, PolicyFolder]) -> None:
    """Give each configured folder its meta.json contents. Those identical to what the
    config alone would write (local files, config unchanged) need no git read."""
    unknown = []
    for source in sources:
        folder = folders.get(source.store_dir)
        if folder is None or folder.meta_blob is None:
            continue
        expected = meta_document(source_info(source), folder.raw_name or "", None, None)
        if blob_id(dump(expected)) == folder.meta_blob:
            folder.meta = expected
        else:
            unknown.append(folder)
    store.load_meta(unknown)


def _check_as_of(store: Store, as_of: datetime) -> None:
    # Back-filled runs must come oldest first so the history stays in date order
    # and "the version current at a date" is unambiguous.
    latest = store.head_time()
    if latest is not None and as_of.timestamp() < latest:
        raise PolicywatchError(
            f"--as-of {iso(int(as_of.timestamp()))} is before the store's latest run "
            f"({iso(latest)}); back-fill the oldest versions first"
        )


def source_info(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "payer": source.payer,
        "url": source.url,
        "path": source.path,
        "title": source.title,
        "plan": source.plan,
        "notes": source.notes,
    }


def record(
    txn: Transaction, source: Source, folder: PolicyFolder | None, processed: Processed
) -> SourceOutcome:
    """Stage one source's result in the run's transaction."""
    outcome = SourceOutcome(
        source.id, processed.status, source.store_dir, source.location, processed.stage
    )
    outcome.error = processed.error
    files = folder.files if folder else {}
    if processed.policy_json is not None and processed.data is not None:
        _record_version(txn, source, files, processed)
    elif processed.stage == "parse" and processed.data is not None:
        _record_failed_bytes(txn, source, files, processed)
    elif processed.status == "unchanged":
        if _clear_failed(txn, source.store_dir, files):
            outcome.notes.append("cleared an earlier parse failure")
        if folder is not None and _refresh_meta(txn, source_info(source), folder):
            outcome.notes.append("source info updated")
    return outcome


def _record_version(
    txn: Transaction, source: Source, files: dict[str, str], processed: Processed
) -> None:
    assert processed.data is not None and processed.policy_json is not None
    policy_dir = source.store_dir
    name = raw_name(processed.data)
    for old in _raw_names(files, ""):
        if old != name:
            txn.delete(store_path(policy_dir, old))
    txn.put(store_path(policy_dir, name), processed.data)
    txn.put(store_path(policy_dir, POLICY_FILE), processed.policy_json.encode("utf-8"))
    v = processed.validators
    meta = meta_document(source_info(source), name, v.etag, v.last_modified)
    txn.put(store_path(policy_dir, META_FILE), dump(meta))
    _clear_failed(txn, policy_dir, files)


def _record_failed_bytes(
    txn: Transaction, source: Source, files: dict[str, str], processed: Processed
) -> None:
    assert processed.data is not None
    name = f"{FAILED_DIR}/{raw_name(processed.data)}"
    for old in _raw_names(files, FAILED_DIR + "/"):
        if old != name:
            txn.delete(store_path(source.store_dir, old))
    txn.put(store_path(source.store_dir, name), processed.data)
    error = {"id": source.id, "location": source.location, "error": processed.error}
    txn.put(store_path(source.store_dir, f"{FAILED_DIR}/{ERROR_FILE}"), dump(error))


def _clear_failed(txn: Transaction, policy_dir: str, files: dict[str, str]) -> bool:
    if len(files) <= 3:  # source, policy.json, meta.json: no failed/ area
        return False
    stale = [name for name in files if name.startswith(FAILED_DIR + "/")]
    for name in stale:
        txn.delete(f"{policy_dir}/{name}")
    return bool(stale)


def _refresh_meta(txn: Transaction, info: dict[str, Any], folder: PolicyFolder) -> bool:
    """Keep meta.json's source info in step with the config; validators stay as they
    were (they belong to the stored bytes, and rotating ETags must not commit)."""
    meta = folder.meta
    if meta is None or all(meta.get(key) == value for key, value in info.items()):
        return False
    return txn.put(store_path(folder.dir, META_FILE), dump({**meta, **info}))


def _raw_names(files: dict[str, str], prefix: str) -> list[str]:
    return [
        name
        for name in files
        if name.startswith(prefix + "source.") and "/" not in name[len(prefix) :]
    ]


def commit_message(summary: SnapshotSummary) -> str:
    """Subject with the counts, a section per outcome, then trailers."""
    stamp = iso(int(summary.when.timestamp()))
    recorded = [o for o in summary.outcomes if o.status in ("added", "changed")]
    counts = ", ".join(
        f"{summary.count(s)} {s}" for s in ("added", "changed", "failed") if summary.count(s)
    )
    lines = [f"Snapshot {stamp}: {counts or 'source info updated'}", ""]
    for status, title in (("added", "Added"), ("changed", "Changed")):
        chosen = [o for o in summary.outcomes if o.status == status]
        if chosen:
            lines += [f"{title}:", *[f"- {o.id} ({o.policy})" for o in chosen], ""]
    if summary.failed:
        lines.append("Failed (last version stays current):")
        lines += [f"- {o.id} ({o.policy}): {o.stage}: {o.error}" for o in summary.failed]
        lines.append("")
    noted = [o for o in summary.outcomes if o.notes]
    if noted:
        lines += ["Other updates:", *[f"- {o.id}: {'; '.join(o.notes)}" for o in noted], ""]
    lines += ["Policywatch-Run: snapshot", f"Policywatch-Schema: {SCHEMA_VERSION}"]
    lines += [f"Policywatch-Source: {o.id} {o.location}" for o in recorded]
    lines += [f"Policywatch-Failed: {o.id}" for o in summary.failed]
    return "\n".join(_one_line(line) for line in lines) + "\n"


def _one_line(text: str) -> str:
    # Error messages and ids end up in the commit message: keep each on one line.
    return " ".join(text.split()) if text else text

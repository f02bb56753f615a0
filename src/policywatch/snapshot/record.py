"""The writer's side of one source: the gate's last word, then the store writes.

:func:`gate` decides whether a new document is recorded: one the worker found
implausible on its own, or (for a changed policy) one that reads as a collapse
of the stored version, becomes a failure of stage ``suspect`` or ``retired``
unless the run accepts it (``accept``). :func:`record` stages the outcome in the run's
transaction, in the store's layout:

* a new version: raw bytes, policy.json, meta.json; any ``failed/`` area goes;
* bytes that fetched but were not recorded: ``failed/source.<ext>`` and
  ``failed/error.json`` beside the current version, which stays current;
* unchanged: a stale ``failed/`` area goes, and meta.json's source info follows
  the config (its validators stay: they belong to the stored bytes);
* a failed fetch writes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from policywatch.model import Policy
from policywatch.normalize import document_format
from policywatch.parse.plausibility import Verdict
from policywatch.snapshot.metacache import MetaCache, as_configured, says_source, source_meta
from policywatch.snapshot.outcomes import SourceOutcome
from policywatch.snapshot.source import Processed, judge
from policywatch.sources import Source
from policywatch.store import (
    ERROR_FILE,
    FAILED_DIR,
    META_FILE,
    POLICY_FILE,
    FailedRecord,
    Meta,
    PolicyFolder,
    Transaction,
    load_policy,
    raw_name,
    store_path,
)


def gate(
    txn: Transaction, folder: PolicyFolder | None, processed: Processed, accept: bool = False
) -> tuple[Processed, str | None]:
    """The plausibility gate, before anything is recorded: the worker's verdict on the
    document alone, or (for a changed policy) the verdict against the stored version.
    A document held back becomes a failure whose bytes go to ``failed/``; with
    ``accept`` it is recorded anyway, and the note (for the run log) says so."""
    if processed.policy_json is None or processed.data is None:
        return processed, None
    verdict: Verdict | None = None
    if processed.verdict is not None:
        verdict = Verdict(processed.verdict, processed.reason or "")
    elif processed.status == "changed":
        verdict = judge(processed.policy_json, _stored_policy(txn, folder))
    if verdict is None or verdict.ok:
        return processed, None
    if accept:
        return processed, f"recorded on purpose (accepted), though {verdict.kind}: {verdict.reason}"
    held = replace(
        processed, status="failed", stage=verdict.kind, error=verdict.reason, policy_json=None
    )
    return held, None


def _stored_policy(txn: Transaction, folder: PolicyFolder | None) -> Policy | None:
    """The current version's policy, read from the store (one blob)."""
    blob = folder.json_blob if folder is not None else None
    return load_policy(txn.store.read_blob(blob)) if blob else None


def record(
    txn: Transaction,
    source: Source,
    folder: PolicyFolder | None,
    meta: Meta | None,
    processed: Processed,
    cache: MetaCache | None = None,
) -> SourceOutcome:
    """Stage one source's result in the run's transaction. ``meta`` is the folder's
    stored meta.json; ``cache`` learns the meta.json blobs written, so the next run
    need not read them."""
    outcome = SourceOutcome(
        source.id, processed.status, source.store_dir, source.location, processed.stage
    )
    outcome.error = processed.error
    folder = folder or PolicyFolder(source.store_dir)
    if processed.policy_json is not None and processed.data is not None:
        _record_version(txn, source, folder, processed, cache)
    elif processed.status == "failed" and processed.data is not None:  # parse or gate
        _record_failed_bytes(txn, source, folder, processed)
    elif processed.status == "unchanged":
        cleared = _failed_stage(txn, folder)
        if _clear_failed(txn, folder):
            outcome.notes.append(_CLEARED.get(cleared or "parse", _CLEARED["parse"]))
        if meta is not None and _refresh_meta(txn, source, folder, meta):
            outcome.notes.append("source info updated")
    return outcome


_CLEARED = {
    "parse": "cleared an earlier parse failure",
    "suspect": "cleared an earlier suspect document (the policy is back, unchanged)",
    "retired": "cleared an earlier retirement notice (the policy is back, unchanged)",
}


def _failed_stage(txn: Transaction, folder: PolicyFolder) -> str | None:
    """The stage failed/error.json names (None when there is none, or it names none)."""
    blob = folder.error_blob
    if blob is None:
        return None
    found = FailedRecord.from_bytes(txn.store.read_blob(blob))
    return found.stage if found is not None else None


def _record_version(
    txn: Transaction,
    source: Source,
    folder: PolicyFolder,
    processed: Processed,
    cache: MetaCache | None,
) -> None:
    assert processed.data is not None and processed.policy_json is not None
    name = raw_name(document_format(processed.data))
    for old in folder.raw_names():
        if old != name:
            txn.delete(store_path(folder.dir, old))
    txn.put(store_path(folder.dir, name), processed.data)
    txn.put(store_path(folder.dir, POLICY_FILE), processed.policy_json.encode("utf-8"))
    meta = source_meta(source, name, processed.validators, processed.final_url)
    written = meta.to_bytes()
    txn.put(store_path(folder.dir, META_FILE), written)
    if cache is not None and as_configured(meta):
        cache.remember(source, name, written)
    _clear_failed(txn, folder)


def _record_failed_bytes(
    txn: Transaction, source: Source, folder: PolicyFolder, processed: Processed
) -> None:
    assert processed.data is not None
    name = f"{FAILED_DIR}/{raw_name(document_format(processed.data))}"
    for old in folder.raw_names(failed=True):
        if old != name:
            txn.delete(store_path(folder.dir, old))
    txn.put(store_path(folder.dir, name), processed.data)
    error = FailedRecord(
        source.id, source.location, processed.stage, processed.error, processed.final_url
    )
    txn.put(store_path(folder.dir, f"{FAILED_DIR}/{ERROR_FILE}"), error.to_bytes())


def _clear_failed(txn: Transaction, folder: PolicyFolder) -> bool:
    if not folder.has_failed:
        return False
    for name in folder.failed_names():
        txn.delete(folder.path(name))
    return True


def _refresh_meta(txn: Transaction, source: Source, folder: PolicyFolder, meta: Meta) -> bool:
    """Keep meta.json's source info in step with the config; validators stay as they
    were (they belong to the stored bytes, and rotating ETags must not commit)."""
    if says_source(meta, source):
        return False
    configured = source_meta(source, meta.raw or "")
    return txn.put(store_path(folder.dir, META_FILE), meta.with_source_of(configured).to_bytes())

"""The snapshot store: a plain git repository, and the only code that talks to git.

Layout and invariants: :mod:`.records`. Locking, crash recovery and commits:
:mod:`.repository`. Reading versions and a period's runs: :mod:`.history`; the run log's
trailers: :mod:`.runlog`. verify / reparse: :mod:`.maintenance`.
"""

from __future__ import annotations

from policywatch.store.gitcli import ZERO_SHA, StoreDamaged, blob_id
from policywatch.store.history import (
    BlobChange,
    PeriodRuns,
    Run,
    Version,
    find_policy,
    parse_instant,
    period_runs,
    policy_changes_since,
    policy_text_at,
    read_blobs_by_id,
    require_policy,
    resolve_reference,
    runs_before,
    split_reference,
    versions,
)
from policywatch.store.maintenance import ReparseSummary, VerifyReport, reparse, verify
from policywatch.store.records import (
    ERROR_FILE,
    FAILED_DIR,
    META_FILE,
    POLICY_FILE,
    PolicyFolder,
    derive_policy_json,
    dump,
    meta_document,
    raw_name,
    store_path,
)
from policywatch.store.repository import DEFAULT_LOCK_TIMEOUT, Store, Transaction, default_store_dir
from policywatch.store.runlog import failed_ids, failing_sources, recovered_ids, trailer_values

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "ERROR_FILE",
    "FAILED_DIR",
    "META_FILE",
    "POLICY_FILE",
    "ZERO_SHA",
    "BlobChange",
    "PeriodRuns",
    "PolicyFolder",
    "ReparseSummary",
    "Run",
    "Store",
    "StoreDamaged",
    "Transaction",
    "VerifyReport",
    "Version",
    "blob_id",
    "default_store_dir",
    "derive_policy_json",
    "dump",
    "failed_ids",
    "failing_sources",
    "find_policy",
    "meta_document",
    "parse_instant",
    "period_runs",
    "policy_changes_since",
    "policy_text_at",
    "read_blobs_by_id",
    "raw_name",
    "recovered_ids",
    "reparse",
    "require_policy",
    "resolve_reference",
    "runs_before",
    "split_reference",
    "store_path",
    "trailer_values",
    "verify",
    "versions",
]

"""The snapshot store: a plain git repository, and the only code that talks to git.

It keeps bytes and reads them back; it never runs the pipeline (it imports only
:mod:`policywatch.model` and :mod:`policywatch.errors`).

- :mod:`.layout` — the folder layout (``<payer>/<policy>/source.<ext>``,
  ``policy.json``, ``meta.json``, ``failed/``) and :class:`PolicyFolder`;
- :mod:`.metadata` — ``meta.json`` and ``failed/error.json`` as dataclasses;
- :mod:`.runlog` — the run log: a :class:`Run` written to and read from the
  commit message and its ``Policywatch-*`` trailers;
- :mod:`.repository` — opening, locking, crash recovery, transactions, commits;
- :mod:`.history` — a policy's versions, the version at a commit or date, and the
  runs a period recorded (:class:`RunCommit`);
- :mod:`.gitcli` — the one door to git; :mod:`.instants` — how runs are dated.
"""

from __future__ import annotations

from policywatch.store.gitcli import StoreDamaged, blob_id
from policywatch.store.history import (
    PeriodRuns,
    PolicyEdit,
    RunCommit,
    Version,
    failing_sources,
    period_runs,
    policy_changes_since,
    policy_text_at,
    policy_texts,
    policy_versions,
    read_blobs_by_id,
    runs_before,
)
from policywatch.store.instants import cutoff, is_date_reference, iso, parse_instant
from policywatch.store.layout import (
    ERROR_FILE,
    FAILED_DIR,
    INDEX_DIR,
    INDEX_FILE,
    META_FILE,
    POLICY_FILE,
    PolicyFolder,
    dump,
    group_folders,
    index_path,
    index_paths,
    load_json,
    load_policy,
    raw_name,
    store_path,
)
from policywatch.store.metadata import FailedRecord, Meta
from policywatch.store.repository import DEFAULT_LOCK_TIMEOUT, Store, Transaction, default_store_dir
from policywatch.store.runlog import (
    MANUAL,
    REPARSE,
    SNAPSHOT,
    Failure,
    LibraryLine,
    Recorded,
    Run,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "ERROR_FILE",
    "FAILED_DIR",
    "INDEX_DIR",
    "INDEX_FILE",
    "MANUAL",
    "META_FILE",
    "POLICY_FILE",
    "REPARSE",
    "SNAPSHOT",
    "FailedRecord",
    "Failure",
    "LibraryLine",
    "Meta",
    "PeriodRuns",
    "PolicyEdit",
    "PolicyFolder",
    "Recorded",
    "Run",
    "RunCommit",
    "Store",
    "StoreDamaged",
    "Transaction",
    "Version",
    "blob_id",
    "cutoff",
    "default_store_dir",
    "dump",
    "failing_sources",
    "group_folders",
    "index_path",
    "index_paths",
    "is_date_reference",
    "iso",
    "load_json",
    "load_policy",
    "parse_instant",
    "period_runs",
    "policy_changes_since",
    "policy_text_at",
    "policy_texts",
    "policy_versions",
    "raw_name",
    "read_blobs_by_id",
    "runs_before",
    "store_path",
]

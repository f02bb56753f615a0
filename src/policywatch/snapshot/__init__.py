"""Snapshot: sources → fetch → normalize → gate → store, one commit for the whole run.

Outcomes per source are explicit — added, changed, unchanged, failed — and one bad
source never stops the run. Split by job:

- :mod:`.source` — one source's work, anywhere (a worker process, a Dask worker or
  this process): fetch, normalize (:mod:`policywatch.normalize`), the plausibility
  verdict on the document alone; plain data in and out, no store writes;
- :mod:`.batches` — sources in config order in bounded batches, and the hash-only
  pre-check that decides unchanged local files before any parse work is shipped;
- :mod:`.record` — the writer's side of one source: the gate against the stored
  version (and ``--accept``), then the store writes in the store's layout;
- :mod:`.metacache` — the meta.json a source gets, and the cache that spares the
  run reading the ones the config already determines;
- :mod:`.run` — the run: lock, date (:func:`.run.now`), ship the batches over an
  engine (:mod:`policywatch.executors`), record in order, commit the run log;
- :mod:`policywatch.index` — each ``[[index]]`` is fetched first, in this process
  (:func:`.run._watch_indexes`): its listing recorded as ``_index/<slug>/index.json``,
  and the policies ``track = "all" | "new"`` makes sources are snapshotted in the run;
- :mod:`.outcomes` — what the run reports, and the run log it writes
  (:class:`policywatch.store.Run`).

A failed fetch records nothing; bytes that fetched but were not recorded (did not
parse, or the gate held them back as suspect or retired) go to ``failed/`` beside
the current version, which stays current, and the run exits 3. A run whose only
outcomes are failures (or recoveries) is still committed, so reports can show them.
"""

from __future__ import annotations

from policywatch.snapshot.batches import Batch, batch_size, plan_batches
from policywatch.snapshot.outcomes import (
    GATE_STAGES,
    STATUSES,
    Progress,
    SnapshotSummary,
    SourceOutcome,
    Status,
)
from policywatch.snapshot.run import run_snapshot
from policywatch.snapshot.source import Prior, Processed, process_source

__all__ = [
    "GATE_STAGES",
    "STATUSES",
    "Batch",
    "Prior",
    "Processed",
    "Progress",
    "SnapshotSummary",
    "SourceOutcome",
    "Status",
    "batch_size",
    "plan_batches",
    "process_source",
    "run_snapshot",
]

"""Policy indexes: a payer's listing of its policies, watched for new, retired and
renamed policies.

- :mod:`.extract` — an index page (HTML list or table) → entries and its next page;
- :mod:`.model` — the entries and the record kept in the store
  (``_index/<slug>/index.json``, written through the store's transaction);
- :mod:`.diff` — two listings → new / retired / renamed; the suspect test;
- :mod:`.watch` — one index in a snapshot run: fetch (the run's fetcher), merge,
  the sources ``track`` makes of it.
"""

from __future__ import annotations

from policywatch.index.diff import LibraryAction, LibraryChange, compare, suspect_reason
from policywatch.index.extract import Page, read_page
from policywatch.index.model import Entry, IndexRecord
from policywatch.index.watch import (
    IndexOutcome,
    derived_id,
    stored_records,
    tracked_sources,
    watch_index,
)

__all__ = [
    "Entry",
    "IndexOutcome",
    "IndexRecord",
    "LibraryAction",
    "LibraryChange",
    "Page",
    "compare",
    "derived_id",
    "read_page",
    "stored_records",
    "suspect_reason",
    "tracked_sources",
    "watch_index",
]

"""The run log as data: the trailers snapshot commits carry, read back.

A snapshot commit ends with trailers: ``Policywatch-Run: snapshot``,
``Policywatch-Schema: 1``, one ``Policywatch-Source: <id> <location>`` per
policy recorded, one ``Policywatch-Failed: <id>`` per source that failed and
(from the run that first succeeds again) one ``Policywatch-Recovered: <id>``
per source that had failed. Every snapshot run fetches every configured
source, so a snapshot commit that does not name a source failed means it did
not fail in that run.
"""

from __future__ import annotations

import re

from policywatch.store.history import Run, _timeline, runs_before
from policywatch.store.repository import Store

RUN = "Policywatch-Run"
SCHEMA = "Policywatch-Schema"
SOURCE = "Policywatch-Source"
FAILED = "Policywatch-Failed"
RECOVERED = "Policywatch-Recovered"


def trailer_values(message: str, key: str) -> list[str]:
    """The values of every ``key: value`` line of a commit message, in order."""
    pattern = re.compile(rf"^{re.escape(key)}:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
    return pattern.findall(message)


def failed_ids(run: Run) -> list[str]:
    """The sources this run named failed (none for a reparse or a hand commit)."""
    return trailer_values(run.message, FAILED) if run.is_snapshot else []


def recovered_ids(run: Run) -> list[str]:
    return trailer_values(run.message, RECOVERED) if run.is_snapshot else []


def failing_sources(store: Store) -> frozenset[str]:
    """The sources still failing as far as the store knows: those the newest snapshot
    run named failed. A snapshot run uses it to say which sources recovered (and to
    commit that run even when nothing else changed)."""
    newest_first = (sha for sha, _ in _timeline(store))
    for run in runs_before(store, newest_first, batch=8):
        if run.is_snapshot:
            return frozenset(failed_ids(run))
    return frozenset()

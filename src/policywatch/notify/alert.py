"""What of a run's digest is worth a message, by the ``[notify]`` table's rules.

A run sends one message when it has at least one of:

- a changed policy whose most serious change is at or above ``min_severity``
  (default ``high``);
- a silent change, whatever its severity (coverage, codes or evidence moved with no
  new history entry or date: what a payer did not announce);
- a policy library change at or above ``min_severity``: an index no longer lists a
  policy (retired: high), lists a new one (medium) or renames one (low);
- a source or index that failed for the first time (a fetch, parse, suspect or retired
  failure);
- a source or index that has now failed ``failing_runs`` snapshot runs in a row
  (default 3), and again every ``failing_runs`` runs while it keeps failing.

Added policies, recoveries and changes below the threshold never send a message on
their own; the message mentions them when it goes anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from policywatch.model import Severity
from policywatch.notify.digest import FailureNews, LibraryNews, PolicyNews, RunDigest
from policywatch.sources import NotifySettings


@dataclass(frozen=True)
class Alert:
    """The part of a run's digest its message holds."""

    digest: RunDigest
    min_severity: Severity
    failing_runs: int
    changes: tuple[PolicyNews, ...] = ()  # at or above min_severity (silent ones included)
    silent: tuple[PolicyNews, ...] = ()  # silent changes below min_severity
    new_failures: tuple[FailureNews, ...] = ()
    long_failures: tuple[FailureNews, ...] = ()  # failing for a multiple of failing_runs
    library: tuple[LibraryNews, ...] = ()  # at or above min_severity

    @property
    def empty(self) -> bool:
        return not (
            self.changes or self.silent or self.new_failures or self.long_failures or self.library
        )

    @property
    def unlisted(self) -> list[PolicyNews]:
        """Changed policies the message does not list (below the threshold, not silent)."""
        listed = {n.source_id for n in (*self.changes, *self.silent)}
        return [n for n in self.digest.changed if n.source_id not in listed]


def select_alert(digest: RunDigest, settings: NotifySettings) -> Alert:
    minimum = Severity(settings.min_severity)
    every = settings.failing_runs
    changes = tuple(n for n in digest.changed if n.at_least(minimum))
    silent = tuple(n for n in digest.changed if n.silent and not n.at_least(minimum))
    new = tuple(f for f in digest.failed if f.runs == 1)
    long = tuple(f for f in digest.failed if f.runs > 1 and f.runs % every == 0)
    library = tuple(n for n in digest.library if n.at_least(minimum))
    return Alert(digest, minimum, every, changes, silent, new, long, library)

"""Portfolio questions: across every tracked policy, as data.

- :mod:`.catalog` — ``list``: each tracked policy now (payer, plan, number,
  title, effective date, statuses, its last change and how serious, overdue);
- :mod:`.find` — ``find``: statements and code rows by code (ranges that
  contain it included), wording or status, now or across every stored version
  (when each appeared and disappeared);
- :mod:`.compare` — ``compare``: policies side by side, coverage per indication
  matched across documents with the diff's matching, codes, evidence counts,
  dates and each one's latest history entry;
- :mod:`.codes` — what a code search matches; :mod:`.versions` — the recorded
  versions of every policy, read from the store in one pass.

Above the store and the diff; renders nothing (:mod:`policywatch.render` shows
these results as text, JSON, CSV and HTML). ``POLICY@REV`` / ``POLICY@DATE``
references are read by :func:`policywatch.timeline.locate` before ``compare``
is called, so this package never imports the timeline (which imports render).
"""

from __future__ import annotations

from policywatch.portfolio.catalog import LastChange, ListFilter, PolicyRow, list_policies
from policywatch.portfolio.codes import code_match
from policywatch.portfolio.compare import (
    CodeRow,
    Comparison,
    CoverageRow,
    EvidenceRow,
    FieldRow,
    Side,
    compare_policies,
)
from policywatch.portfolio.find import FindQuery, FindResult, Hit, find
from policywatch.portfolio.versions import parse_status

__all__ = [
    "CodeRow",
    "Comparison",
    "CoverageRow",
    "EvidenceRow",
    "FieldRow",
    "FindQuery",
    "FindResult",
    "Hit",
    "LastChange",
    "ListFilter",
    "PolicyRow",
    "Side",
    "code_match",
    "compare_policies",
    "find",
    "list_policies",
    "parse_status",
]

"""Report stage: what changed in the store during a period, as data.

``build_report`` reads the store (:mod:`.collect`) into a :class:`Report`
(:mod:`.model`) for a :class:`Period` (:mod:`.period`): the changed and added
policies, the failed sources (:mod:`.failures`) and the overdue reviews
(:mod:`.overdue`). It renders nothing: :mod:`policywatch.render` writes the
report as HTML, JSON or CSV, and imports this package, never the reverse.
"""

from __future__ import annotations

from policywatch.report.collect import build_report
from policywatch.report.model import (
    FailedSource,
    LibraryItem,
    OverdueReview,
    PayerLibrary,
    PolicyChange,
    Report,
)
from policywatch.report.period import Period, PeriodError, month_period, range_period

__all__ = [
    "FailedSource",
    "LibraryItem",
    "OverdueReview",
    "PayerLibrary",
    "Period",
    "PeriodError",
    "PolicyChange",
    "Report",
    "build_report",
    "month_period",
    "range_period",
]

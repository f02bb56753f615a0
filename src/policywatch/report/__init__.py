"""Report stage: what changed in the store during a period, as HTML, JSON or CSV.

``build_report`` reads the store (:mod:`.collect`) into a :class:`Report`
(:mod:`.model`); :mod:`.html` renders it with the package's jinja2 templates
and :mod:`.export` writes the same content as JSON or CSV.
"""

from __future__ import annotations

from policywatch.report.collect import build_report
from policywatch.report.model import FailedSource, OverdueReview, PolicyChange, Report
from policywatch.report.period import Period, PeriodError, month_period, range_period

__all__ = [
    "FailedSource",
    "OverdueReview",
    "Period",
    "PeriodError",
    "PolicyChange",
    "Report",
    "build_report",
    "month_period",
    "range_period",
]

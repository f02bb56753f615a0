"""The reporting period: ``--month YYYY-MM`` or ``--since D --until D`` (both inclusive).

Periods are whole UTC days, because the store dates every commit in UTC
(its fetch time); a change belongs to the period when its commit time is in
``[start, end)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from policywatch.errors import Argument, ArgumentError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ArgumentError):
    """The period asked for is malformed or empty."""


@dataclass(frozen=True)
class Period:
    since: date  # first day, inclusive
    until: date  # last day, inclusive
    is_month: bool = False

    @property
    def label(self) -> str:
        """``2026-11`` for a month, ``2026-10-01_2026-11-15`` otherwise (used in file names)."""
        if self.is_month:
            return self.since.strftime("%Y-%m")
        return f"{self.since.isoformat()}_{self.until.isoformat()}"

    @property
    def title(self) -> str:
        """How a reader sees it: ``November 2026`` or ``2026-10-01 to 2026-11-15``."""
        if self.is_month:
            return self.since.strftime("%B %Y")
        return f"{self.since.isoformat()} to {self.until.isoformat()}"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.until + timedelta(days=1), time(), UTC)

    def contains(self, timestamp: int) -> bool:
        return self.start.timestamp() <= timestamp < self.end.timestamp()


def month_period(text: str) -> Period:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(Argument("month"), f" {text!r}: expected YYYY-MM, e.g. 2026-11")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1), is_month=True)


def range_period(since: str, until: str) -> Period:
    first, last = _day("since", since), _day("until", until)
    if last < first:
        raise PeriodError(Argument("until"), f" {until} is before ", Argument("since"), f" {since}")
    return Period(first, last)


def _day(argument: str, text: str) -> date:
    value = text.strip()
    if _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PeriodError(Argument(argument), f" {text!r}: expected a date YYYY-MM-DD")

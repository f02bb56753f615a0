"""Overdue reviews: the policy's next review date has passed and no new version came since.

Dates keep the precision the document gives (``2023``, ``2023-11``,
``2023-11-15``). A review "due 2023-11" has passed once November 2023 is
over; any revision dated in or after November 2023 counts as the review.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
# Dates a revised document moves; ``original_effective`` never does.
REVISION_DATES = ("effective", "last_review", "published")


def first_day(text: str | None) -> date | None:
    parts = _parts(text)
    if parts is None:
        return None
    year, month, day = parts
    return date(year, month or 1, day or 1)


def last_day(text: str | None) -> date | None:
    parts = _parts(text)
    if parts is None:
        return None
    year, month, day = parts
    month = month or 12
    return date(year, month, day or calendar.monthrange(year, month)[1])


def _parts(text: str | None) -> tuple[int, int | None, int | None] | None:
    match = _PARTIAL.match((text or "").strip())
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return year, month, day


def last_revised(policy: dict[str, Any]) -> str | None:
    """The latest revision date the document gives: effective, review, published or history."""
    dates = policy.get("dates") or {}
    candidates = [dates.get(name) for name in REVISION_DATES]
    candidates += [entry.get("date") for entry in policy.get("history") or []]
    known = [(last_day(d), d) for d in candidates if isinstance(d, str) and last_day(d)]
    return max(known)[1] if known else None


def review_due(policy: dict[str, Any], until: date) -> date | None:
    """The first day of the missed review period, when the review is overdue at ``until``.

    None when there is no next review date, it has not passed by ``until``, or
    the document shows a revision in or after the period it was due.
    """
    next_review = (policy.get("dates") or {}).get("next_review")
    due_end, due_start = last_day(next_review), first_day(next_review)
    if due_end is None or due_start is None or due_end >= until:
        return None
    revised = last_day(last_revised(policy))
    if revised is not None and revised >= due_start:
        return None
    return due_start

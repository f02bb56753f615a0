"""Instants as the store dates runs: Unix seconds, written as ISO UTC (``…Z``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from policywatch.model import iso

__all__ = ["cutoff", "is_date_reference", "iso", "parse_instant"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_instant(text: str) -> datetime:
    """``YYYY-MM-DD`` or an ISO date-time; without an offset it is UTC."""
    value = text.strip()
    if not (_DATE.match(value) or _DATETIME.match(value)):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or ISO date-time")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_date_reference(text: str) -> bool:
    return bool(_DATE.match(text) or _DATETIME.match(text))


def cutoff(text: str) -> int:
    """The last second a date reference covers: a bare date means the whole day."""
    moment = parse_instant(text)
    if _DATE.match(text.strip()):
        return int((moment + timedelta(days=1)).timestamp()) - 1
    return int(moment.timestamp())

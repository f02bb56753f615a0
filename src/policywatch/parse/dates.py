"""Dates as the document gives them → ISO strings at the same precision.

``06/2025`` → ``2025-06``; ``February 1, 2023`` → ``2023-02-01``; a day is
never invented.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"

# Each pattern matches at the start of the text; named groups y, m, d.
_PATTERNS = [
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?\b"),
    re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})\b"),
    re.compile(r"(?P<m>\d{1,2})/(?P<y>\d{4})\b"),
    re.compile(r"(?P<m>\d{2})(?P<d>\d{2})(?P<y>\d{4})\b"),
    re.compile(rf"(?P<mn>{_MONTH})\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"(?P<d>\d{{1,2}})\s+(?P<mn>{_MONTH}),?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"(?P<mn>{_MONTH}),?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(r"(?P<y>(?:19|20)\d{2})\b"),
]


def match_date(text: str) -> tuple[str, int] | None:
    """The ISO date at the start of ``text`` and how many characters it took."""
    for pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            iso = _to_iso(m.groupdict())
            if iso:
                return iso, m.end()
    return None


def parse_date(text: str) -> str | None:
    """The first date at the start of ``text`` (after trimming), or None."""
    found = match_date(text.strip())
    return found[0] if found else None


def _to_iso(groups: dict[str, str | None]) -> str | None:
    year = int(groups["y"] or 0)
    month_name = groups.get("mn")
    month = MONTHS[month_name.lower().rstrip(".")] if month_name else int(groups.get("m") or 0)
    day = int(groups.get("d") or 0)
    if not 1900 <= year <= 2100:
        return None
    if not month:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year:04d}-{month:02d}"
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"

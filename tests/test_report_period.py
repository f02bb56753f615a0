"""Report periods and the overdue-review rule (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from policywatch.report import PeriodError, month_period, range_period
from policywatch.report.overdue import first_day, last_day, last_revised, review_due


def test_month_bounds() -> None:
    feb = month_period("2028-02")
    assert (feb.since, feb.until, feb.label, feb.title) == (
        date(2028, 2, 1), date(2028, 2, 29), "2028-02", "February 2028",
    )  # fmt: skip
    dec = month_period("2026-12")
    assert dec.end == datetime(2027, 1, 1, tzinfo=UTC)
    assert dec.contains(int(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()))
    assert not dec.contains(int(dec.end.timestamp()))
    assert dec.contains(int(dec.start.timestamp()))


def test_range_label_and_one_day_range() -> None:
    span = range_period("2026-10-01", "2026-11-15")
    assert (span.label, span.title) == ("2026-10-01_2026-11-15", "2026-10-01 to 2026-11-15")
    day = range_period("2026-11-02", "2026-11-02")
    assert day.end.timestamp() - day.start.timestamp() == 86_400


@pytest.mark.parametrize("text", ["2026-00", "2026-13", "26-11", "2026-11-01", ""])
def test_bad_months(text: str) -> None:
    with pytest.raises(PeriodError):
        month_period(text)


def test_partial_dates() -> None:
    assert (first_day("2023"), last_day("2023")) == (date(2023, 1, 1), date(2023, 12, 31))
    assert (first_day("2024-02"), last_day("2024-02")) == (date(2024, 2, 1), date(2024, 2, 29))
    assert last_day("2024-02-10") == date(2024, 2, 10)
    assert first_day(None) is None and last_day("soon") is None and last_day("2024-13") is None


def policy(next_review: str | None, **dates: str) -> dict[str, object]:
    return {"dates": {"next_review": next_review, **dates}, "history": []}


def test_review_due_once_its_whole_period_has_passed() -> None:
    until = date(2026, 11, 30)
    assert review_due(policy("2023-11", effective="2023-02-01"), until) == date(2023, 11, 1)
    assert review_due(policy("2026-11"), until) is None  # due this month: not yet passed
    assert review_due(policy("2026-11-15"), until) == date(2026, 11, 15)
    assert review_due(policy("2027-10"), until) is None
    assert review_due(policy(None), until) is None


def test_a_revision_in_or_after_the_due_period_is_the_review() -> None:
    until = date(2026, 11, 30)
    assert review_due(policy("2025-06", last_review="2025-06"), until) is None
    assert review_due(policy("2025-06", effective="2025-09-01"), until) is None
    assert review_due(policy("2025-06", effective="2025-05-31"), until) == date(2025, 6, 1)
    reviewed = policy("2025-06")
    reviewed["history"] = [{"date": "2024-01-01"}, {"date": "2025-07"}]
    assert review_due(reviewed, until) is None
    assert last_revised(reviewed) == "2025-07"

"""Calendar arithmetic for "as of" figures: month ends and month ranges; and "the latest report on
or before a date" (ties on the date: the later-submitted wins)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar

from pmo_common.contracts.types import month_from_index, month_index, months_between
from pmo_common.db import utcnow


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(month: str) -> date:
    year, mon = (int(p) for p in month.split("-"))
    return date(year, mon, calendar.monthrange(year, mon)[1])


def month_span(first: date, last: date, *, max_months: int) -> list[str]:
    """Months from `first`'s to `last`'s, both included, at most the last `max_months` of them."""
    months = months_between(month_of(first), month_of(last))
    return months[-max_months:]


def add_months(month: str, count: int) -> str:
    return month_from_index(month_index(month) + count)


class Dated(Protocol):
    @property
    def as_of(self) -> date: ...

    @property
    def submitted_at(self) -> datetime: ...


R = TypeVar("R", bound=Dated)


def latest_on_or_before(reports: Sequence[R], as_of: date) -> R | None:
    """The report a figure "as of" `as_of` uses: the latest `as_of` on or before it, and among
    reports for the same date the one submitted last."""
    best: R | None = None
    for report in reports:
        if report.as_of > as_of:
            continue
        if best is None or (report.as_of, report.submitted_at) > (best.as_of, best.submitted_at):
            best = report
    return best


def end_of_day(as_of: date) -> datetime:
    """The first instant after `as_of` (UTC): what is in effect "as of" a date began before it."""
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


def today() -> date:
    """Today in UTC (the platform's one clock): the default "as of" date."""
    return utcnow().date()

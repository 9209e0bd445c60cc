"""The board report's S-curve over the whole span of the portfolio's projects, as pure functions.

The span runs from the month of the earliest plan start to the month of the latest plan or forecast
finish (and always includes the as-of month). Up to the as-of month each point is the portfolio as
of that month end (history, as the KPI series reads it); after it, PV continues as the sum of the
plans in force on the as-of date, so a report as of a past date never looks at anything that
happened after it. EV and AC are facts: they stop at the as-of month.

At most MAX_MONTHS_BACK months before the as-of month and MAX_MONTHS_AHEAD after it are drawn (a
project dated decades out must not turn a board report into hundreds of queries); the cut is
the far end of the span.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from pmo_common.contracts.types import months_between

from pmo_reporting.logic.periods import add_months, month_end, month_of
from pmo_reporting.logic.schedule import PlannedCost, planned_value_at

MAX_MONTHS_BACK = 119
MAX_MONTHS_AHEAD = 120
EMPTY_SPAN_MONTHS = 12
"""Without any dated project: the year up to the as-of month."""


def curve_months(starts: Iterable[date | None], finishes: Iterable[date | None], as_of: date) -> list[str]:
    """The months of the S-curve: earliest start → latest finish, the as-of month included."""
    anchor = month_of(as_of)
    known_starts = [month_of(d) for d in starts if d is not None]
    known_finishes = [month_of(d) for d in finishes if d is not None]
    first = min([*known_starts, anchor]) if known_starts else add_months(anchor, 1 - EMPTY_SPAN_MONTHS)
    last = max([*known_finishes, anchor])
    first = max(first, add_months(anchor, -MAX_MONTHS_BACK))
    last = min(last, add_months(anchor, MAX_MONTHS_AHEAD))
    return months_between(first, last)


def split_at(months: Sequence[str], as_of: date) -> tuple[list[str], list[str]]:
    """(months up to and including the as-of month, the months after it)."""
    anchor = month_of(as_of)
    return [m for m in months if m <= anchor], [m for m in months if m > anchor]


def planned_totals(plans: Sequence[PlannedCost], months: Sequence[str]) -> list[Decimal]:
    """Per month, the plans' summed PV at the month end (a plan with neither a profile nor both dates
    adds 0). At a month end a profile has accrued every month up to it whole
    (`logic.schedule.profiled_value`), so profiles add up as one running sum."""
    by_month: dict[str, Decimal] = {}
    linear = []
    for plan in plans:
        if plan.profile:
            for period, amount in plan.profile:
                by_month[period] = by_month.get(period, Decimal(0)) + amount
        else:
            linear.append(plan)
    totals, running, pending = [], Decimal(0), sorted(by_month.items(), reverse=True)
    for month in months:
        while pending and pending[-1][0] <= month:
            running += pending.pop()[1]
        day = month_end(month)
        spread = sum((planned_value_at(plan, day) or Decimal(0) for plan in linear), Decimal(0))
        totals.append((running + spread).quantize(Decimal("0.01")))
    return totals

"""Time-phased cost (contract §7.3) as pure functions: a cost profile spreads a budget over calendar
months. Without one, cost is spread linearly by day over the dates (the reporting service does that).

A profile is valid when each month appears once, lies within the months of the start and finish dates
(a profile needs both), and the amounts (each >= 0, checked by the schema) add up to the budget
exactly: a profile that sums to something else would make PV at the finish differ from BAC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

MAX_PERIODS = 120
"""Ten years of months: longer programmes are split into projects."""


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def profile_problems(
    profile: Sequence[tuple[str, Decimal]], budget: Decimal, start: date | None, finish: date | None
) -> list[tuple[str, str]]:
    """What is wrong with `profile` (`[(period, amount)]`) for these budget and dates, as
    `(field, message)` pairs naming `cost_profile[i].period` or `cost_profile`; empty when it is valid
    (an empty profile always is: cost is then linear by day)."""
    if not profile:
        return []
    if start is None or finish is None:
        return [("cost_profile", "a cost profile needs the start_date and finish_date it lies within")]
    first, last = month_of(start), month_of(finish)
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, (period, _amount) in enumerate(profile):
        field = f"cost_profile[{i}].period"
        if period in seen:
            problems.append((field, f"{period} appears more than once; give each month once"))
        elif not first <= period <= last:
            problems.append((field, f"{period} is outside the months {first}..{last} of the dates"))
        seen.add(period)
    total = sum((amount for _period, amount in profile), Decimal(0))
    if total != budget:
        problems.append(
            (
                "cost_profile",
                f"the amounts sum to {total:.2f} but the budget is {budget:.2f}; they must be equal",
            )
        )
    return problems


def stored(profile: Sequence[Any]) -> list[dict[str, str]]:
    """The JSON form of a profile (items with `period` and `amount`), in month order."""
    rows = [{"period": str(p.period), "amount": f"{Decimal(p.amount):.2f}"} for p in profile]
    return sorted(rows, key=lambda row: row["period"])


def pairs(profile: Sequence[Any]) -> list[tuple[str, Decimal]]:
    """`[(period, amount)]` of a profile given as models or as stored dicts, in the order given."""
    return [
        (str(p["period"]), Decimal(p["amount"]))
        if isinstance(p, dict)
        else (str(p.period), Decimal(p.amount))
        for p in profile
    ]

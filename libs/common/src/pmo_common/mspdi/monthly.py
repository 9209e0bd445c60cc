"""Spreading a quantity over calendar months, exactly: pure functions over integers (cents,
hundredths of an hour) so that the parts always add up to the whole."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from fractions import Fraction
from numbers import Rational


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def days_by_month(first: date, last: date) -> dict[str, int]:
    """How many of the days `first..last` (both included) fall in each month, in month order."""
    if last < first:
        raise ValueError(f"the span {first}..{last} ends before it starts")
    days: dict[str, int] = {}
    day = first
    while day <= last:
        next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        end = min(last, next_month - timedelta(days=1))
        days[month_of(day)] = (end - day).days + 1
        day = next_month
    return days


def largest_remainder(total: int, weights: Mapping[str, int | Rational]) -> dict[str, int]:
    """`total` (a whole number of cents, hundredths...) split in proportion to `weights`, in whole
    units that sum to `total` exactly: each key gets the floor of its exact share, and the units
    left over go one each to the keys with the largest remainders (ties: the earlier key in sorted
    order). Keys whose weight is 0 get 0; all-zero weights are an error."""
    if total < 0:
        raise ValueError("the total to spread must not be negative")
    exact = {key: Fraction(weight) for key, weight in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("weights must not be negative")
    whole = sum(exact.values(), Fraction(0))
    if whole == 0:
        raise ValueError("there is nothing to spread over: every weight is 0")
    shares = {key: total * w / whole for key, w in exact.items()}
    floors = {key: share.numerator // share.denominator for key, share in shares.items()}
    left = total - sum(floors.values())
    by_remainder = sorted(sorted(shares), key=lambda key: shares[key] - floors[key], reverse=True)
    for key in by_remainder[:left]:
        floors[key] += 1
    return {key: floors[key] for key in sorted(floors)}


def spread_by_day(total: int, first: date, last: date) -> dict[str, int]:
    """`total` whole units spread linearly by day over `first..last`, per month, summing exactly."""
    return largest_remainder(total, days_by_month(first, last))

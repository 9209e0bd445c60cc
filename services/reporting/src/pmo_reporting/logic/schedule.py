"""The baseline's time-phased cost (its PV curve) and earned schedule (Lipke), as pure functions.

PV curve (contract §7.3). With a cost profile `[(month, amount)]`: as of day d of an n-day month, d/n of
that month's amount has accrued, on top of every earlier month's whole amount. Without one, the budget
is spread linearly by day over the baseline dates: BAC × (as_of − start) / (finish − start).

Time runs in days since the baseline start: a date D is t = D − start, so `at_days` = as_of − start.
On that axis the curve is piecewise linear: with a profile its knots are the month ends (the value at
the last day of month m is everything up to m), without one it is a straight line from (0, 0) to
(finish − start, BAC).

Earned schedule (Lipke, "Schedule is Different", 2003): ES is the time at which the PV curve reaches EV
(the first such time, so a flat stretch of the plan is not credited twice), found by linear
interpolation between knots — the continuous form of Lipke's ES = C + (EV − PV_C) / (PV_C+1 − PV_C).
SPI(t) = ES / AT, SV(t) = ES − AT, IEAC(t) = start + PD / SPI(t) with PD the planned duration.
ES never exceeds the time the plan completes (EV ≥ BAC gives that time), never falls below 0; a ratio
with a zero denominator, or a figure whose inputs are unknown, is None.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
DAY_PLACES = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class PlannedCost:
    """A baseline's time-phased cost: its dates, budget and (optional) monthly profile."""

    bac: Decimal
    start: date | None
    finish: date | None
    profile: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class EarnedSchedule:
    es_date: date | None
    es_days: float | None
    at_days: int | None
    spi_t: float | None
    sv_t_days: float | None
    ieac_t_date: date | None


def _month_bounds(month: str) -> tuple[date, date]:
    year, mon = (int(p) for p in month.split("-"))
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def profiled_value(profile: Sequence[tuple[str, Decimal]], as_of: date) -> Decimal:
    """PV as of a date under a monthly cost profile (d/n of the month of `as_of`)."""
    total = Decimal(0)
    for month, amount in profile:
        first, last = _month_bounds(month)
        if as_of >= last:
            total += amount
        elif as_of >= first:
            total += amount * Decimal(as_of.day) / Decimal(last.day)
    return total.quantize(CENT, rounding=ROUND_HALF_EVEN)


def planned_value_at(plan: PlannedCost, as_of: date) -> Decimal | None:
    """PV of the plan as of a date; None when it has neither a profile nor both dates."""
    if plan.profile:
        return profiled_value(plan.profile, as_of)
    if plan.start is None or plan.finish is None:
        return None
    if as_of >= plan.finish:
        return plan.bac.quantize(CENT)
    if as_of <= plan.start:
        return Decimal("0.00")
    # Multiplied before dividing: BAC × days is exact, so the one division rounds as the exact
    # quotient does (a rounded share first would tip a value of exactly half a cent the wrong way).
    spread = plan.bac * Decimal((as_of - plan.start).days) / Decimal((plan.finish - plan.start).days)
    return spread.quantize(CENT, rounding=ROUND_HALF_EVEN)


def pv_knots(plan: PlannedCost) -> list[tuple[int, Fraction]] | None:
    """The PV curve as (days since start, cumulative PV) knots, linear between them."""
    if plan.start is None:
        return None
    if not plan.profile:
        if plan.finish is None or plan.finish <= plan.start:
            return None
        return [(0, Fraction(0)), ((plan.finish - plan.start).days, Fraction(plan.bac))]
    months = sorted(plan.profile)
    first_day, _ = _month_bounds(months[0][0])
    knots = [((first_day - timedelta(days=1) - plan.start).days, Fraction(0))]
    total = Fraction(0)
    for month, amount in months:
        total += Fraction(amount)
        knots.append(((_month_bounds(month)[1] - plan.start).days, total))
    return knots


def earned_schedule_days(knots: Sequence[tuple[int, Fraction]], ev: Fraction) -> Fraction:
    """The first time the curve reaches `ev` (clamped to [0, completion])."""
    if ev <= 0:
        return Fraction(0)
    # The first segment ending at or above EV starts below it (the previous one ended below), so it
    # rises: interpolate within it.
    for (t0, pv0), (t1, pv1) in itertools.pairwise(knots):
        if pv1 >= ev:
            return max(Fraction(0), t0 + (ev - pv0) / (pv1 - pv0) * (t1 - t0))
    total = knots[-1][1]
    completion = next(t for t, pv in knots if pv >= total)  # EV beyond BAC: the plan's completion
    return Fraction(max(0, completion))


def _days(value: Fraction) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(DAY_PLACES, rounding=ROUND_HALF_EVEN))


def _ratio(value: Fraction) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN))


NO_SCHEDULE = EarnedSchedule(None, None, None, None, None, None)


def earned_schedule(plan: PlannedCost, ev: Decimal | None, as_of: date) -> EarnedSchedule:
    """ES, AT, SPI(t), SV(t) and IEAC(t) of a project as of a date (see the module docstring)."""
    knots = pv_knots(plan)
    if knots is None or plan.start is None:
        return NO_SCHEDULE
    at = (as_of - plan.start).days
    if ev is None:
        return EarnedSchedule(None, None, at, None, None, None)
    es = earned_schedule_days(knots, Fraction(ev))
    spi_t = es / at if at > 0 else None
    duration = _planned_duration(plan, knots)
    ieac = None
    if spi_t is not None and spi_t > 0 and duration is not None:
        ieac = _day_after(plan.start, duration / spi_t)
    return EarnedSchedule(
        es_date=plan.start + timedelta(days=int(es)),
        es_days=_days(es),
        at_days=at,
        spi_t=None if spi_t is None else _ratio(spi_t),
        sv_t_days=_days(es - at),
        ieac_t_date=ieac,
    )


def _day_after(start: date, days: Fraction) -> date | None:
    """The whole day `days` after `start` falls in; None past the calendar (a forecast of SPI(t) ≈ 0)."""
    whole = int(days)
    if whole > (date.max - start).days:
        return None
    return start + timedelta(days=whole)


def _planned_duration(plan: PlannedCost, knots: Sequence[tuple[int, Fraction]]) -> Fraction | None:
    """Baseline finish − start; with a profile and no finish date, until the profile completes."""
    if plan.start is not None and plan.finish is not None and plan.finish > plan.start:
        return Fraction((plan.finish - plan.start).days)
    last = knots[-1][0]
    return Fraction(last) if last > 0 else None

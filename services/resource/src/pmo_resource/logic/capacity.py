"""Capacity and demand arithmetic: plain functions over plain data, no I/O.

A person's capacity in a month is the figure imported for that month when there is one, else the
default `hours_per_week × fte × 52 / 12` (52 weeks spread evenly over 12 months; 40 h at 1.0 FTE
is 173.33 h). Demand is the sum of `hours_per_period` of the allocations covering the month.
A person is over-allocated in a month when their demand exceeds their capacity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Generic, TypeVar

from pmo_common.contracts.types import month_from_index, month_index

K = TypeVar("K", bound=Hashable)

WEEKS_PER_MONTH = 52 / 12
# Hours are kept to the hundredth; anything smaller is rounding noise, not an over-allocation.
EPSILON = 0.005


def default_monthly_capacity(hours_per_week: float, fte: float) -> float:
    """Monthly hours of a person without an imported figure: hours_per_week × fte × 52 / 12."""
    return hours_per_week * fte * WEEKS_PER_MONTH


def span_months(start: str, end: str) -> int:
    """How many months `start..end` covers, both included."""
    return month_index(end) - month_index(start) + 1


def expand_months(start: str, end: str, first: str | None = None, last: str | None = None) -> list[str]:
    """The months of `start..end`, clipped to `first..last` when given."""
    lo = month_index(start) if first is None else max(month_index(start), month_index(first))
    hi = month_index(end) if last is None else min(month_index(end), month_index(last))
    return [month_from_index(i) for i in range(lo, hi + 1)]


@dataclass(frozen=True)
class Span(Generic[K]):
    """Hours per month from `start` to `end` (both included), attributed to `key`."""

    key: K
    start: str
    end: str
    hours: float


def sum_by_key_and_month(
    spans: Iterable[Span[K]], first: str | None = None, last: str | None = None
) -> dict[tuple[K, str], float]:
    """Expand every span to its months (clipped to `first..last`) and sum the hours per (key, month):
    an entry for each (key, month) some span covers. Overlapping spans on the same key add up.

    Hours are summed in exact hundredths (allocations store two decimals), as a running total over
    each key's span boundaries: a span costs two updates whatever its length, not one per month
    (a capacity read sums every allocation overlapping its range)."""
    lo_bound = None if first is None else month_index(first)
    hi_bound = None if last is None else month_index(last)
    # Per key, at each boundary month: the change in hundredths and in the number of spans covering.
    steps: dict[K, dict[int, list[int]]] = defaultdict(dict)
    for span in spans:
        lo, hi = month_index(span.start), month_index(span.end)
        lo = lo if lo_bound is None else max(lo, lo_bound)
        hi = hi if hi_bound is None else min(hi, hi_bound)
        if lo > hi:
            continue
        cents = round(span.hours * 100)
        key_steps = steps[span.key]
        at_lo, at_end = key_steps.setdefault(lo, [0, 0]), key_steps.setdefault(hi + 1, [0, 0])
        at_lo[0] += cents
        at_lo[1] += 1
        at_end[0] -= cents
        at_end[1] -= 1
    totals: dict[tuple[K, str], float] = {}
    for key, key_steps in steps.items():
        running = covering = 0
        for here, following in pairwise(sorted(key_steps)):
            running += key_steps[here][0]
            covering += key_steps[here][1]
            if covering:
                for month in range(here, following):
                    totals[(key, month_from_index(month))] = running / 100
    return totals


def combine_capacity(
    default_by_key: Mapping[K, float],
    imported: Mapping[tuple[K, str], tuple[float, float]],
    keys: Iterable[K],
    months: Sequence[str],
) -> dict[tuple[K, str], float]:
    """Capacity per (key, month) of a group of people: every member's default, except that where
    members have imported figures for the month, `imported[(key, month)] = (imported_hours,
    their_default_hours)` replaces their defaults by the imported hours."""
    result: dict[tuple[K, str], float] = {}
    for key in keys:
        base = default_by_key.get(key, 0.0)
        for month in months:
            hours, replaced = imported.get((key, month), (0.0, 0.0))
            result[(key, month)] = max(base - replaced + hours, 0.0)
    return result


@dataclass(frozen=True)
class CapacityCell(Generic[K]):
    key: K
    period: str
    capacity_hours: float
    demand_hours: float
    free_hours: float
    utilisation: float | None


def capacity_cells(
    capacity: Mapping[tuple[K, str], float],
    demand: Mapping[tuple[K, str], float],
    keys: Iterable[K],
    months: Sequence[str],
) -> list[CapacityCell[K]]:
    """One cell per key and month: free = capacity − demand (negative when over-booked);
    utilisation = demand / capacity, None when there is no capacity."""
    cells = []
    for key in keys:
        for month in months:
            cap = round(capacity.get((key, month), 0.0), 2)
            dem = round(demand.get((key, month), 0.0), 2)
            cells.append(
                CapacityCell(
                    key=key,
                    period=month,
                    capacity_hours=cap,
                    demand_hours=dem,
                    free_hours=round(cap - dem, 2),
                    utilisation=round(dem / cap, 4) if cap > 0 else None,
                )
            )
    return cells


@dataclass(frozen=True)
class Overallocation(Generic[K]):
    resource: K
    period: str
    capacity_hours: float
    demand_hours: float
    excess_hours: float


def find_overallocations(
    capacity: Mapping[tuple[K, str], float], demand: Mapping[tuple[K, str], float]
) -> list[Overallocation[K]]:
    """Every (person, month) whose demand exceeds capacity (missing capacity counts as 0),
    in (month, person) order."""
    found = []
    for (resource, month), hours in demand.items():
        cap = capacity.get((resource, month), 0.0)
        if hours - cap > EPSILON:
            found.append(
                Overallocation(resource, month, round(cap, 2), round(hours, 2), round(hours - cap, 2))
            )
    return sorted(found, key=lambda o: (o.period, str(o.resource)))


def new_and_resolved(
    current: Iterable[tuple[K, str]], known: Iterable[tuple[K, str]]
) -> tuple[set[tuple[K, str]], set[tuple[K, str]]]:
    """Pairs over-allocated now but not before (to announce) and known pairs no longer over (to forget)."""
    now, before = set(current), set(known)
    return now - before, before - now

"""Period budgets and project groups of a selection (contract §7.4), and each project's cost by month.

A period budget caps what the selected projects cost in the months `first..last` (e.g. one fiscal
year); a group ties projects together: `all_or_none` (selected together or not at all), `at_most_one`
(alternatives), `at_least_one` (one of them must be done). Periods are `YYYY-MM` strings, which sort
chronologically, so a month lies in a period when `first <= month <= last`.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pmo_common.mspdi.monthly import month_of, spread_by_day

GROUP_RULES = ("all_or_none", "at_most_one", "at_least_one")


@dataclass(frozen=True)
class PeriodBudget:
    first: str  # "YYYY-MM"
    last: str  # "YYYY-MM", inclusive
    amount: int  # cents
    name: str = ""

    @property
    def label(self) -> str:
        """How results name it: "period budget 2027-01..2027-12 (FY2027)"."""
        text = f"period budget {self.first}..{self.last}"
        return f"{text} ({self.name})" if self.name else text

    def covers(self, month: str) -> bool:
        return self.first <= month <= self.last

    def cost(self, monthly: Mapping[str, int]) -> int:
        """The part of a monthly cost that falls in this period."""
        return sum(amount for month, amount in monthly.items() if self.covers(month))


@dataclass(frozen=True)
class Group:
    project_ids: tuple[str, ...]
    rule: str  # one of GROUP_RULES
    number: int = 0  # its position in the scenario counted from 1, so people can find it
    name: str = ""

    @property
    def label(self) -> str:
        """How results name it: 'group 2 (at_most_one)' or 'group 2 "CRM options" (at_most_one)'."""
        named = f' "{self.name}"' if self.name else ""
        return f"group {self.number}{named} ({self.rule})"


def period_budget_problems(periods: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """What is wrong with `[(from, to)]`, as `(field, message)` pairs naming `period_budgets[i].to` (a
    period that ends before it starts) or `period_budgets[i].from` (one that starts inside another)."""
    problems: list[tuple[str, str]] = []
    for i, (first, last) in enumerate(periods):
        if last < first:
            problems.append((f"period_budgets[{i}].to", f"{last} is before the period's start {first}"))
    if problems:
        return problems
    order = sorted(range(len(periods)), key=lambda i: (periods[i][0], i))
    for before, after in itertools.pairwise(order):
        if periods[after][0] <= periods[before][1]:
            first, last = periods[before]
            problems.append(
                (
                    f"period_budgets[{after}].from",
                    f"{periods[after][0]} falls inside period_budgets[{before}] ({first}..{last}); "
                    "period budgets may not overlap",
                )
            )
    return problems


def group_problems(groups: Sequence[Sequence[str]], known: Collection[str]) -> list[tuple[str, str]]:
    """Unknown or repeated members, as `(field, message)` pairs naming `groups[i].project_ids[j]`."""
    problems: list[tuple[str, str]] = []
    for i, ids in enumerate(groups):
        seen: set[str] = set()
        for j, pid in enumerate(ids):
            field = f"groups[{i}].project_ids[{j}]"
            if pid not in known:
                problems.append((field, f"{pid} is not a project of this portfolio"))
            elif pid in seen:
                problems.append((field, f"{pid} appears more than once in the group"))
            seen.add(pid)
    return problems


def monthly_cost(
    total: int,
    profile: Sequence[tuple[str, int]],
    start: date | None,
    finish: date | None,
    undated_month: str,
) -> dict[str, int]:
    """A project's cost (cents) by month, summing to `total` exactly unless a profile says otherwise:
    its cost profile when it has one; else linear by day over start..finish (largest remainder, so
    the months add up to the cent); a project with one date has all its cost in that date's month,
    one without dates in `undated_month` (the scenario's start period: not yet planned, so due now)."""
    if profile:
        months: dict[str, int] = {}
        for period, amount in profile:
            months[period] = months.get(period, 0) + amount
        return months
    if start is not None and finish is not None and start <= finish:
        return {m: c for m, c in spread_by_day(total, start, finish).items() if c}
    day = start or finish
    return {month_of(day) if day is not None else undated_month: total}


def counted(monthly: Mapping[str, int], committed: bool, start_period: str | None) -> dict[str, int]:
    """The months of a cost that a selection counts: a committed (in progress) project's cost before
    the start period is already spent, so only its months from `start_period` on count."""
    if not committed or start_period is None:
        return dict(monthly)
    return {m: c for m, c in monthly.items() if m >= start_period}

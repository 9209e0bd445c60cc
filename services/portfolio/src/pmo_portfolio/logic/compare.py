"""Two solved selections side by side (contract §7.4 scenario compare); every delta is b − a."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Solved:
    """What comparing needs of a solved selection: money in cents, months as "YYYY-MM"."""

    selected: Collection[str]
    value: float
    cost: int
    cost_by_month: Mapping[str, int]
    binding: list[str]


@dataclass(frozen=True)
class Comparison:
    only_in_a: list[str]
    only_in_b: list[str]
    in_both: list[str]
    value: tuple[float, float, float]  # a, b, b − a
    cost: tuple[int, int, int]
    by_month: list[tuple[str, int, int]]  # (month, cost in a, cost in b) over the months either costs in
    binding: tuple[list[str], list[str]]


def compare_selections(a: Solved, b: Solved) -> Comparison:
    in_a, in_b = set(a.selected), set(b.selected)
    months = sorted(a.cost_by_month.keys() | b.cost_by_month.keys())
    return Comparison(
        only_in_a=sorted(in_a - in_b),
        only_in_b=sorted(in_b - in_a),
        in_both=sorted(in_a & in_b),
        value=(a.value, b.value, b.value - a.value),
        cost=(a.cost, b.cost, b.cost - a.cost),
        by_month=[(m, a.cost_by_month.get(m, 0), b.cost_by_month.get(m, 0)) for m in months],
        binding=(list(a.binding), list(b.binding)),
    )

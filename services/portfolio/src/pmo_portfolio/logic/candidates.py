"""What the selection is made of: a candidate project, the capacity it draws on, and the error that says
no selection exists."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

Capacity = Mapping[tuple[str, str], float]

# Relative tolerance when comparing hours (floats) against capacity.
CAPACITY_TOLERANCE = 1e-9


def over_capacity(hours: float, capacity: float) -> bool:
    """Whether `hours` exceed `capacity` by more than the float tolerance."""
    return hours > capacity * (1 + CAPACITY_TOLERANCE) + CAPACITY_TOLERANCE


@dataclass(frozen=True)
class Candidate:
    id: str
    cost: int  # cents
    value: float  # priority score to maximise (e.g. weighted score 0..100)
    mandatory: bool = False
    committed: bool = False  # in progress: always selected, its cost and demand count
    depends_on: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()  # symmetric: either side may list the pair
    demand: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (role, "YYYY-MM") -> hours
    # Its cost by month ("YYYY-MM" -> cents), summing to `cost`; needed for period budgets and for a
    # committed project's cost from the start period on. Empty: one undated lump (never in a period).
    period_costs: Mapping[str, int] = field(default_factory=dict)


class InfeasibleSelection(ValueError):
    """No selection satisfies the constraints; `conflicts` are sentences naming why."""

    def __init__(self, conflicts: list[str]) -> None:
        super().__init__("; ".join(conflicts))
        self.conflicts = conflicts


def used_capacity(cands: Sequence[Candidate], selected: Collection[int]) -> dict[tuple[str, str], float]:
    """The hours per (role, month) that the `selected` candidates need together."""
    used: dict[tuple[str, str], float] = {}
    for i in selected:
        for key, hours in cands[i].demand.items():
            if hours > 0:
                used[key] = used.get(key, 0.0) + hours
    return used

"""Pure scoring rules of the 5×5 risk matrix: score, level, escalation and EMV. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

SCALE = range(1, 6)
MAX_SCORE = 25
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Level:
    name: str
    min_score: int


@dataclass(frozen=True)
class MatrixRules:
    """A portfolio's matrix: probability % per probability level 1–5, named levels by minimum
    score (ascending, the first at 1) and the score at which a risk is escalated."""

    probability_percent: tuple[Decimal, ...] = tuple(Decimal(p) for p in (10, 30, 50, 70, 90))
    levels: tuple[Level, ...] = field(
        default=(Level("low", 1), Level("medium", 5), Level("high", 10), Level("critical", 17))
    )
    escalation_score: int = 15

    def percent_for(self, probability: int) -> Decimal:
        return self.probability_percent[probability - 1]


DEFAULT_MATRIX = MatrixRules()


def score(probability: int, impact: int) -> int:
    """Probability × impact, each on the 1–5 scale."""
    if probability not in SCALE or impact not in SCALE:
        raise ValueError(f"probability and impact are 1–5, got {probability} and {impact}")
    return probability * impact


def level_for(value: int, levels: Sequence[Level]) -> str:
    """The name of the highest level whose `min_score` the score reaches (levels ascending)."""
    name = levels[0].name
    for level in levels:
        if value >= level.min_score:
            name = level.name
        else:
            break
    return name


def current_score(inherent: int, residual: int | None) -> int:
    """The score that decides escalation: the latest residual assessment, else the inherent one."""
    return inherent if residual is None else residual


def is_escalated(value: int, escalation_score: int) -> bool:
    return value >= escalation_score


Crossing = Literal["escalated", "deescalated"]


def escalation_crossing(before: bool, after: bool) -> Crossing | None:
    """Which event a change of the escalated flag publishes, if any (only a change publishes)."""
    if before == after:
        return None
    return "escalated" if after else "deescalated"


def emv(kind: str, probability_percent: Decimal, cost: tuple[Decimal, Decimal, Decimal] | None) -> Decimal:
    """Expected monetary value in cents: probability × the triangular mean of the cost impact,
    negative for a threat (an expected loss), positive for an opportunity (an expected gain)."""
    if cost is None:
        return Decimal("0.00")
    # One division, last: p% × (min + mode + max) / 3 = p × sum / 300, exact before the rounding.
    value = probability_percent * sum(cost, Decimal(0)) / 300
    value = value.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    if value == 0:
        return Decimal("0.00")  # never "-0.00"
    return -value if kind == "threat" else value

"""Weighted multi-criteria scoring and WSJF (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Criterion:
    id: str
    weight: float
    min_score: float
    max_score: float
    higher_is_better: bool


def normalise(score: float, c: Criterion) -> float:
    """Map a raw score to 0..1 over the criterion's range (1 = best), clamped to the range.

    A degenerate range (max <= min) gives 1.0: every project then has the same, only possible score,
    so the criterion cannot separate projects and should not penalise any of them.
    """
    span = c.max_score - c.min_score
    if span <= 0:
        return 1.0
    fraction = (score - c.min_score) / span
    fraction = min(1.0, max(0.0, fraction))
    return fraction if c.higher_is_better else 1.0 - fraction


def normalised_weights(criteria: Sequence[Criterion]) -> dict[str, float]:
    """Weights scaled to sum 1; all-zero weights become equal weights. Negative weights are rejected."""
    for c in criteria:
        if not math.isfinite(c.weight) or c.weight < 0:
            raise ValueError(f"criterion {c.id} has weight {c.weight}; weights must be finite and >= 0")
    total = math.fsum(c.weight for c in criteria)
    if total <= 0:
        return {c.id: 1.0 / len(criteria) for c in criteria} if criteria else {}
    return {c.id: c.weight / total for c in criteria}


def weighted_score(
    scores: Mapping[str, float], criteria: Sequence[Criterion]
) -> tuple[float, dict[str, float]]:
    """Score 0..100 = 100 * Σ w_i * normalised_i and the contribution of each criterion.

    A criterion without a score contributes 0; scores for unknown criteria are ignored.
    """
    weights = normalised_weights(criteria)
    breakdown: dict[str, float] = {}
    for c in criteria:
        raw = scores.get(c.id)
        breakdown[c.id] = 0.0 if raw is None else 100.0 * weights[c.id] * normalise(raw, c)
    return math.fsum(breakdown.values()), breakdown


def wsjf(business_value: float, time_criticality: float, risk_reduction: float, job_size: float) -> float:
    """Weighted Shortest Job First (SAFe): cost of delay / job size."""
    if not job_size > 0:
        raise ValueError(f"job_size must be > 0, got {job_size}")
    return (business_value + time_criticality + risk_reduction) / job_size

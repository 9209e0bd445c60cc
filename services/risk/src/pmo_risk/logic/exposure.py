"""Monte Carlo cost exposure of a set of threats. Pure: numbers in, numbers out, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_ITERATIONS = 100_000
# Iterations are drawn in chunks so that one chunk holds about this many (iteration, risk) cells:
# memory stays bounded (a few arrays of 8 MB) whatever iterations × risks is.
CHUNK_CELLS = 1_000_000


@dataclass(frozen=True)
class ExposureResult:
    """Statistics of the simulated total cost (a positive amount is a loss)."""

    iterations: int
    mean: float
    p50: float
    p80: float
    p95: float


def simulate_exposure(
    probabilities: Sequence[float],
    mins: Sequence[float],
    modes: Sequence[float],
    maxs: Sequence[float],
    iterations: int,
    seed: int | None,
) -> ExposureResult:
    """Each risk occurs with its probability (a fraction 0–1) and then costs a draw from its
    triangular(min, mode, max) distribution; returns the mean and P50/P80/P95 of the summed cost.

    The same inputs and `seed` give the same result (numpy `default_rng(seed)`)."""
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be 1..{MAX_ITERATIONS}")
    p = np.asarray(probabilities, dtype=np.float64)
    low = np.asarray(mins, dtype=np.float64)
    mode = np.asarray(modes, dtype=np.float64)
    high = np.asarray(maxs, dtype=np.float64)
    if not (p.shape == low.shape == mode.shape == high.shape) or p.ndim != 1:
        raise ValueError("probabilities, mins, modes and maxs must be 1-D and of equal length")
    if np.any((p < 0) | (p > 1)) or np.any((low > mode) | (mode > high)):
        raise ValueError("each probability is within 0..1 and each min <= mode <= max")
    rng = np.random.default_rng(seed)
    totals = np.empty(iterations, dtype=np.float64)
    risks = p.size
    if risks == 0:
        totals.fill(0.0)
    else:
        # numpy's triangular refuses min == max: such a risk costs exactly that amount.
        spread = low < high
        chunk = max(1, CHUNK_CELLS // risks)
        for start in range(0, iterations, chunk):
            n = min(chunk, iterations - start)
            occurs = rng.random((n, risks)) < p
            if spread.all():
                cost = rng.triangular(low, mode, high, size=(n, risks))
            else:
                cost = np.broadcast_to(low, (n, risks)).copy()
                if spread.any():
                    draws = rng.triangular(
                        low[spread], mode[spread], high[spread], size=(n, int(spread.sum()))
                    )
                    cost[:, spread] = draws
            cost *= occurs  # a risk that does not occur costs nothing
            totals[start : start + n] = cost.sum(axis=1)
    p50, p80, p95 = np.percentile(totals, [50, 80, 95])
    return ExposureResult(iterations, float(totals.mean()), float(p50), float(p80), float(p95))


def analytic_mean(
    probabilities: Sequence[float], mins: Sequence[float], modes: Sequence[float], maxs: Sequence[float]
) -> float:
    """Σ pᵢ·(minᵢ + modeᵢ + maxᵢ)/3: the expectation the simulation's mean converges to."""
    return float(
        sum(pi * (a + b + c) / 3 for pi, a, b, c in zip(probabilities, mins, modes, maxs, strict=True))
    )

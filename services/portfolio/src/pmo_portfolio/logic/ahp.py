"""Analytic Hierarchy Process (Saaty): priorities from a pairwise comparison matrix.

Weights are the principal (Perron) eigenvector of the positive reciprocal matrix, normalised to sum 1;
consistency is measured by CI = (λmax - n) / (n - 1) and CR = CI / RI, with Saaty's random indices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Saaty's random consistency index RI for n = 1..15 (Saaty, "The Analytic Hierarchy Process", 1980;
# the values for n > 10 are from Saaty & Vargas' larger simulations).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}

CONSISTENCY_THRESHOLD = 0.10
MIN_SIZE = 2
MAX_SIZE = 15


class AhpMatrixError(ValueError):
    """The pairwise comparison matrix is not a valid positive reciprocal matrix."""


@dataclass(frozen=True)
class AhpResult:
    weights: list[float]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float | None  # None for n <= 2: such matrices are always consistent
    consistent: bool


def _validate(matrix: Sequence[Sequence[float]], tolerance: float) -> np.ndarray:
    n = len(matrix)
    if not MIN_SIZE <= n <= MAX_SIZE:
        raise AhpMatrixError(f"the matrix has {n} rows; AHP needs between {MIN_SIZE} and {MAX_SIZE}")
    for i, row in enumerate(matrix):
        if len(row) != n:
            raise AhpMatrixError(f"row {i} has {len(row)} entries, expected {n}")
    for i, row in enumerate(matrix):
        for j, raw in enumerate(row):
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise AhpMatrixError(f"entry [{i}][{j}]={raw!r} is not a number") from None
            if not math.isfinite(value) or value <= 0:
                raise AhpMatrixError(f"entry [{i}][{j}] must be positive and finite, got {raw!r}")
    a = np.array(matrix, dtype=float)
    for i in range(n):
        if not math.isclose(a[i, i], 1.0, rel_tol=tolerance, abs_tol=0.0):
            raise AhpMatrixError(f"diagonal entry [{i}][{i}]={a[i, i]:g} must be 1")
    for i in range(n):
        for j in range(i + 1, n):
            if not math.isclose(a[j, i] * a[i, j], 1.0, rel_tol=tolerance, abs_tol=0.0):
                raise AhpMatrixError(
                    f"entry [{j}][{i}]={a[j, i]:g} is not 1/[{i}][{j}]={a[i, j]:g}"
                    f" (expected {1.0 / a[i, j]:.6g})"
                )
    return a


def ahp_weights(matrix: Sequence[Sequence[float]], tolerance: float = 1e-6) -> AhpResult:
    """Priority weights, λmax, CI and CR of a Saaty pairwise comparison matrix.

    `tolerance` is the relative tolerance for the diagonal and for a_ji * a_ij == 1, so that judgments
    typed as decimals (0.333 for 1/3) can be accepted by raising it (e.g. 1e-3).
    """
    a = _validate(matrix, tolerance)
    n = a.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(a)
    # Perron-Frobenius: a positive matrix has a simple real eigenvalue of largest modulus whose
    # eigenvector can be chosen strictly positive; it is the one with the largest real part.
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    vector = eigenvectors[:, k].real
    vector = np.abs(vector)  # the eigenvector's sign is arbitrary; its entries all share one sign
    weights = vector / vector.sum()
    # λmax >= n holds exactly for positive reciprocal matrices; clamp rounding noise below n.
    ci = max(0.0, (lambda_max - n) / (n - 1))
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else None
    return AhpResult(
        weights=[float(w) for w in weights],
        lambda_max=lambda_max,
        consistency_index=ci,
        consistency_ratio=cr,
        consistent=cr is None or cr <= CONSISTENCY_THRESHOLD,
    )

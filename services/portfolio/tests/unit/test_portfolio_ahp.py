import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pmo_portfolio.logic.ahp import RANDOM_INDEX, AhpMatrixError, ahp_weights


def test_random_index_is_saatys_table() -> None:
    expected = [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59]
    assert {n: ri for n, ri in enumerate(expected, start=1)} == RANDOM_INDEX


def test_textbook_3x3_example_weights_lambda_and_cr() -> None:
    # The classic 3x3 example (1 3 5 / 1/3 1 3 / 1/5 1/3 1): priorities 0.637, 0.258, 0.105,
    # λmax 3.039, CI 0.019, CR 0.033 with RI 0.58.
    result = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    assert result.weights == pytest.approx([0.637, 0.258, 0.105], abs=5e-4)
    assert result.lambda_max == pytest.approx(3.039, abs=5e-4)
    assert result.consistency_index == pytest.approx(0.019, abs=5e-4)
    assert result.consistency_ratio == pytest.approx(0.033, abs=5e-4)
    assert result.consistent


def test_saaty_1977_light_intensity_example_is_inconsistent() -> None:
    # Saaty, "A scaling method for priorities in hierarchical structures", J. Math. Psych. 15 (1977):
    # relative brightness of four chairs; published eigenvector (0.61, 0.24, 0.10, 0.05), λmax = 4.39,
    # CI = 0.13, so CR = 0.13 / 0.90 ≈ 0.145 > 0.10.
    matrix = [[1, 5, 6, 7], [1 / 5, 1, 4, 6], [1 / 6, 1 / 4, 1, 4], [1 / 7, 1 / 6, 1 / 4, 1]]
    result = ahp_weights(matrix)
    assert result.weights == pytest.approx([0.61, 0.24, 0.10, 0.05], abs=0.01)
    assert result.lambda_max == pytest.approx(4.39, abs=0.005)
    assert result.consistency_index == pytest.approx(0.13, abs=0.005)
    assert result.consistency_ratio == pytest.approx(0.13 / 0.90, abs=0.01)
    assert not result.consistent


def test_weights_follow_matrix_order() -> None:
    result = ahp_weights([[1, 1 / 3, 1 / 5], [3, 1, 1 / 3], [5, 3, 1]])
    assert result.weights == pytest.approx([0.105, 0.258, 0.637], abs=5e-4)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0.05, max_value=20.0), min_size=2, max_size=15))
def test_consistent_matrix_recovers_weights_with_zero_cr(raw: list[float]) -> None:
    w = np.array(raw) / sum(raw)
    matrix = [[wi / wj for wj in w] for wi in w]
    result = ahp_weights(matrix)
    assert result.weights == pytest.approx(list(w), rel=1e-8, abs=1e-12)
    assert result.lambda_max == pytest.approx(len(w), rel=1e-9)
    assert result.consistency_index == pytest.approx(0.0, abs=1e-9)
    if len(w) > 2:
        assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.consistent


saaty_scale = st.sampled_from([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0])


@st.composite
def reciprocal_matrices(draw: st.DrawFn) -> list[list[float]]:
    n = draw(st.integers(min_value=2, max_value=9))
    m = [[1.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            m[i][j] = draw(saaty_scale)
            m[j][i] = 1 / m[i][j]
    return m


@settings(max_examples=100, deadline=None)
@given(reciprocal_matrices())
def test_any_reciprocal_matrix_gives_positive_weights_summing_to_one(matrix: list[list[float]]) -> None:
    n = len(matrix)
    result = ahp_weights(matrix)
    assert math.fsum(result.weights) == pytest.approx(1.0)
    assert all(w > 0 for w in result.weights)
    assert result.lambda_max >= n - 1e-9
    # The weights really are the principal eigenvector: A w = λmax w.
    assert np.array(matrix) @ np.array(result.weights) == pytest.approx(
        result.lambda_max * np.array(result.weights), rel=1e-8
    )
    if n > 2:
        assert result.consistency_ratio == pytest.approx(result.consistency_index / RANDOM_INDEX[n])
        assert result.consistent == (result.consistency_ratio <= 0.10)


def test_two_by_two_has_no_cr_and_is_consistent() -> None:
    result = ahp_weights([[1, 4], [0.25, 1]])
    assert result.weights == pytest.approx([0.8, 0.2])
    assert result.consistency_ratio is None
    assert result.consistency_index == pytest.approx(0.0, abs=1e-12)
    assert result.consistent


def test_reciprocal_tolerance_accepts_rounded_decimals_when_raised() -> None:
    matrix = [[1, 3, 5], [0.333, 1, 3], [0.2, 0.333, 1]]
    with pytest.raises(AhpMatrixError):
        ahp_weights(matrix)
    assert ahp_weights(matrix, tolerance=1e-2).weights == pytest.approx([0.637, 0.258, 0.105], abs=2e-3)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2, 3, 4], [0.5, 1, 1, 1], [1 / 3, 1, 1], [0.25, 1, 1, 1]], "row 2 has 3 entries, expected 4"),
        ([[1]], "between 2 and 15"),
        ([[1.0] * 16 for _ in range(16)], "between 2 and 15"),
        ([[1, -2], [-0.5, 1]], "entry [0][1] must be positive"),
        ([[1, 0], [0, 1]], "entry [0][1] must be positive"),
        ([[1, math.inf], [0, 1]], "entry [0][1] must be positive and finite"),
        ([[1, math.nan], [1, 1]], "entry [0][1] must be positive and finite"),
        ([[2, 1], [1, 1]], "diagonal entry [0][0]=2 must be 1"),
        ([[1, 3, 1], [0.5, 1, 1], [1, 1, 1]], "entry [1][0]=0.5 is not 1/[0][1]=3"),
    ],
)
def test_invalid_matrices_are_rejected_with_a_message_naming_the_problem(
    matrix: list[list[float]], message: str
) -> None:
    with pytest.raises(AhpMatrixError) as info:
        ahp_weights(matrix)
    assert message in str(info.value)


def test_matrix_error_is_a_value_error() -> None:
    assert issubclass(AhpMatrixError, ValueError)

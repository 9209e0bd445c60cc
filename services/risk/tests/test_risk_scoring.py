"""Pure scoring rules: every cell of the 5×5 matrix, every level and escalation boundary, EMV."""

from decimal import Decimal

import pytest
from pmo_risk.logic.scoring import (
    DEFAULT_MATRIX,
    Level,
    current_score,
    emv,
    escalation_crossing,
    is_escalated,
    level_for,
    score,
)

CELLS = [(p, i) for p in range(1, 6) for i in range(1, 6)]


def default_level(value: int) -> str:
    return "low" if value < 5 else "medium" if value < 10 else "high" if value < 17 else "critical"


@pytest.mark.parametrize(("probability", "impact"), CELLS)
def test_score_is_probability_times_impact_in_every_cell(probability: int, impact: int) -> None:
    assert score(probability, impact) == probability * impact


@pytest.mark.parametrize(("probability", "impact"), [(0, 3), (6, 1), (3, 0), (1, 6)])
def test_score_refuses_values_off_the_1_to_5_scale(probability: int, impact: int) -> None:
    with pytest.raises(ValueError, match="1–5"):
        score(probability, impact)


@pytest.mark.parametrize(("probability", "impact"), CELLS)
def test_default_level_of_every_cell(probability: int, impact: int) -> None:
    value = probability * impact
    assert level_for(value, DEFAULT_MATRIX.levels) == default_level(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
        (10, "high"),
        (16, "high"),
        (17, "critical"),
        (25, "critical"),
    ],
)
def test_default_level_boundaries(value: int, expected: str) -> None:
    assert level_for(value, DEFAULT_MATRIX.levels) == expected


def test_custom_levels_use_the_highest_minimum_reached() -> None:
    levels = (Level("minor", 1), Level("major", 12), Level("severe", 20))
    assert [level_for(v, levels) for v in (1, 11, 12, 19, 20, 25)] == [
        "minor",
        "minor",
        "major",
        "major",
        "severe",
        "severe",
    ]


@pytest.mark.parametrize(("probability", "impact"), CELLS)
def test_escalation_in_every_cell_at_the_default_threshold(probability: int, impact: int) -> None:
    value = probability * impact
    assert is_escalated(value, DEFAULT_MATRIX.escalation_score) is (value >= 15)


@pytest.mark.parametrize(
    ("value", "threshold", "expected"),
    [(14, 15, False), (15, 15, True), (16, 15, True), (1, 1, True), (24, 25, False), (25, 25, True)],
)
def test_escalation_boundary_is_inclusive(value: int, threshold: int, expected: bool) -> None:
    assert is_escalated(value, threshold) is expected


def test_current_score_prefers_the_residual_assessment() -> None:
    assert current_score(20, None) == 20
    assert current_score(20, 6) == 6


@pytest.mark.parametrize(
    ("before", "after", "event"),
    [(False, False, None), (True, True, None), (False, True, "escalated"), (True, False, "deescalated")],
)
def test_only_a_change_of_the_flag_is_a_crossing(before: bool, after: bool, event: str | None) -> None:
    assert escalation_crossing(before, after) == event


def test_emv_of_a_threat_is_a_negative_expected_loss() -> None:
    cost = (Decimal("100.00"), Decimal("200.00"), Decimal("600.00"))
    assert emv("threat", Decimal(50), cost) == Decimal("-150.00")


def test_emv_of_an_opportunity_is_a_positive_expected_gain() -> None:
    cost = (Decimal("100.00"), Decimal("200.00"), Decimal("600.00"))
    assert emv("opportunity", Decimal(10), cost) == Decimal("30.00")


def test_emv_is_exact_to_the_cent_with_half_even_rounding() -> None:
    # 30% of (0.01 + 0.02 + 0.02)/3 = 0.005 → 0.00 (half-even), and 70% of 1.00 = 0.70.
    assert emv("opportunity", Decimal(30), (Decimal("0.01"), Decimal("0.02"), Decimal("0.02"))) == Decimal(
        "0.00"
    )
    assert emv("threat", Decimal(70), (Decimal("1.00"),) * 3) == Decimal("-0.70")


def test_emv_without_a_cost_impact_is_zero_never_negative_zero() -> None:
    assert str(emv("threat", Decimal(90), None)) == "0.00"
    assert str(emv("threat", Decimal(10), (Decimal(0), Decimal(0), Decimal(0)))) == "0.00"

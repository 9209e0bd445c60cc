import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pmo_portfolio.logic.scoring import Criterion, normalise, normalised_weights, weighted_score, wsjf

BENEFIT = Criterion("benefit", weight=3, min_score=0, max_score=10, higher_is_better=True)
RISK = Criterion("risk", weight=1, min_score=1, max_score=5, higher_is_better=False)


@pytest.mark.parametrize(("score", "expected"), [(0, 0.0), (2.5, 0.25), (10, 1.0), (-3, 0.0), (12, 1.0)])
def test_normalise_higher_is_better_is_linear_and_clamped(score: float, expected: float) -> None:
    assert normalise(score, BENEFIT) == pytest.approx(expected)


@pytest.mark.parametrize(("score", "expected"), [(1, 1.0), (2, 0.75), (5, 0.0), (0, 1.0), (9, 0.0)])
def test_normalise_lower_is_better_reverses_the_range(score: float, expected: float) -> None:
    assert normalise(score, RISK) == pytest.approx(expected)


def test_normalise_degenerate_range_gives_one() -> None:
    assert normalise(3, Criterion("c", 1, 3, 3, True)) == 1.0


def test_normalised_weights_sum_to_one() -> None:
    assert normalised_weights([BENEFIT, RISK]) == pytest.approx({"benefit": 0.75, "risk": 0.25})


def test_all_zero_weights_become_equal() -> None:
    zero = [Criterion(c, 0, 0, 1, True) for c in "abcd"]
    assert normalised_weights(zero) == {c: 0.25 for c in "abcd"}


def test_no_criteria_give_no_weights() -> None:
    assert normalised_weights([]) == {}
    assert weighted_score({"x": 1}, []) == (0.0, {})


def test_negative_weight_is_rejected() -> None:
    with pytest.raises(ValueError, match="weight"):
        normalised_weights([Criterion("a", -1, 0, 1, True)])


def test_weighted_score_and_breakdown() -> None:
    score, breakdown = weighted_score({"benefit": 8, "risk": 2}, [BENEFIT, RISK])
    assert breakdown == pytest.approx({"benefit": 60.0, "risk": 18.75})
    assert score == pytest.approx(78.75)


def test_perfect_scores_give_one_hundred() -> None:
    assert weighted_score({"benefit": 10, "risk": 1}, [BENEFIT, RISK])[0] == pytest.approx(100.0)


def test_missing_score_contributes_zero_and_unknown_scores_are_ignored() -> None:
    score, breakdown = weighted_score({"benefit": 10, "other": 99}, [BENEFIT, RISK])
    assert breakdown == pytest.approx({"benefit": 75.0, "risk": 0.0})
    assert score == pytest.approx(75.0)


criteria_strategy = st.lists(
    st.builds(
        Criterion,
        id=st.text(min_size=1, max_size=3),
        weight=st.floats(min_value=0, max_value=100),
        min_score=st.just(0.0),
        max_score=st.floats(min_value=0.5, max_value=10),
        higher_is_better=st.booleans(),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda c: c.id,
)


@given(criteria_strategy, st.data())
def test_score_is_between_0_and_100_and_breakdown_sums_to_it(
    criteria: list[Criterion], data: st.DataObject
) -> None:
    scores = {c.id: data.draw(st.floats(min_value=-5, max_value=15)) for c in criteria}
    score, breakdown = weighted_score(scores, criteria)
    assert -1e-9 <= score <= 100 + 1e-9
    assert math.fsum(breakdown.values()) == pytest.approx(score)
    assert set(breakdown) == {c.id for c in criteria}


def test_wsjf_is_cost_of_delay_over_job_size() -> None:
    assert wsjf(8, 5, 3, 4) == pytest.approx(4.0)


@pytest.mark.parametrize("job_size", [0, -1, math.nan])
def test_wsjf_rejects_non_positive_job_size(job_size: float) -> None:
    with pytest.raises(ValueError, match="job_size"):
        wsjf(1, 1, 1, job_size)

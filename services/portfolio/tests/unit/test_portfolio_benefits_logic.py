"""Benefit arithmetic: the latest measurement on or before today, and the realised percentage of
the planned change whichever way the target lies."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pmo_portfolio.logic.benefits import VALUE_LIMIT, latest_measurement, realised_percent

values = st.floats(min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT, allow_nan=False, allow_infinity=False)
TODAY = date(2027, 6, 30)


@dataclass(frozen=True)
class M:
    as_of: date
    value: float = 0.0


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "expected"),
    [
        (12, 8, 10, 50.0),  # cost per ticket falls from 12 towards 8
        (12, 8, 8, 100.0),
        (12, 8, 6, 150.0),  # beyond the target
        (12, 8, 13, -25.0),  # the wrong way
        (100, 200, 150, 50.0),
        (100, 200, 100, 0.0),
        (-10, 10, 0, 50.0),
    ],
)
def test_realised_percent_measures_progress_towards_the_target(
    baseline: float, target: float, latest: float, expected: float
) -> None:
    assert realised_percent(baseline, target, latest) == pytest.approx(expected)


def test_realised_percent_is_null_without_a_measurement_or_a_planned_change() -> None:
    assert realised_percent(12, 8, None) is None
    assert realised_percent(5, 5, 7) is None
    assert realised_percent(0.0, -0.0, 1) is None


@given(values, values)
def test_the_baseline_is_zero_and_the_target_a_hundred_percent(baseline: float, target: float) -> None:
    assume(target != baseline)
    assert realised_percent(baseline, target, baseline) == 0
    assert realised_percent(baseline, target, target) == 100


@given(values, values, values)
def test_a_falling_target_reads_like_a_rising_one(baseline: float, target: float, latest: float) -> None:
    # Negating every value turns "falls from 12 to 8" into "rises from -12 to -8": the same progress.
    assert realised_percent(baseline, target, latest) == realised_percent(-baseline, -target, -latest)


@given(values, values, values)
def test_moving_towards_the_target_is_positive_and_away_from_it_negative(
    baseline: float, target: float, latest: float
) -> None:
    percent = realised_percent(baseline, target, latest)
    if target == baseline:
        assert percent is None
        return
    if percent is None:  # the ratio overflowed: target and baseline differ by almost nothing
        assert abs(target - baseline) < 1e-290
        return
    assert math.isfinite(percent)
    moved, planned = math.copysign(1, latest - baseline), math.copysign(1, target - baseline)
    if percent > 0:
        assert moved == planned
    elif percent < 0:
        assert moved != planned
    else:  # zero, or too small a share of the planned change to show in a float
        assert latest == baseline or abs(latest - baseline) < abs(target - baseline)


@given(values, values, values, values)
def test_the_percentage_rises_with_the_value_when_the_target_lies_above(
    baseline: float, target: float, a: float, b: float
) -> None:
    assume(target != baseline)
    low, high = sorted((a, b))
    p_low, p_high = realised_percent(baseline, target, low), realised_percent(baseline, target, high)
    assume(p_low is not None and p_high is not None)
    assert (p_low <= p_high) if target > baseline else (p_low >= p_high)


@given(st.lists(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), unique=True))
def test_the_latest_is_the_newest_on_or_before_today(days: list[date]) -> None:
    found = latest_measurement([M(d) for d in days], TODAY)
    current = [d for d in days if d <= TODAY]
    assert (found is None) == (not current)
    if found is not None:
        assert found.as_of == max(current)


def test_a_later_dated_measurement_counts_from_its_day() -> None:
    early, later = M(TODAY - timedelta(days=30), 1), M(TODAY + timedelta(days=1), 2)
    assert latest_measurement([later, early], TODAY) == early
    assert latest_measurement([later, early], TODAY + timedelta(days=1)) == later
    assert latest_measurement([M(TODAY, 3), early], TODAY) == M(TODAY, 3)
    assert latest_measurement([], TODAY) is None

"""The Monte Carlo exposure: converges on the analytic mean, ordered percentiles, reproducible."""

import time

import numpy as np
import pytest
from pmo_risk.logic.exposure import MAX_ITERATIONS, analytic_mean, simulate_exposure


def portfolio(n: int, seed: int = 7) -> tuple[list[float], list[float], list[float], list[float]]:
    rng = np.random.default_rng(seed)
    low = rng.uniform(1_000, 50_000, n)
    high = low + rng.uniform(0, 100_000, n)
    mode = low + (high - low) * rng.uniform(0, 1, n)
    p = rng.choice([0.1, 0.3, 0.5, 0.7, 0.9], n)
    return list(p), list(low), list(mode), list(high)


def test_mean_is_within_two_percent_of_the_analytic_mean() -> None:
    p, low, mode, high = portfolio(40)
    result = simulate_exposure(p, low, mode, high, 20_000, seed=1)
    expected = analytic_mean(p, low, mode, high)
    assert abs(result.mean - expected) / expected < 0.02


def test_percentiles_are_ordered() -> None:
    p, low, mode, high = portfolio(40)
    result = simulate_exposure(p, low, mode, high, 20_000, seed=2)
    assert 0 < result.p50 <= result.p80 <= result.p95
    assert result.p50 < result.p95  # a real spread, not a constant


def test_the_same_seed_gives_the_same_answer_and_another_seed_a_different_one() -> None:
    p, low, mode, high = portfolio(25)
    first = simulate_exposure(p, low, mode, high, 5_000, seed=42)
    assert simulate_exposure(p, low, mode, high, 5_000, seed=42) == first
    assert simulate_exposure(p, low, mode, high, 5_000, seed=43) != first


def test_a_degenerate_cost_min_equal_max_is_that_exact_amount() -> None:
    result = simulate_exposure([1.0, 1.0], [500.0, 100.0], [500.0, 200.0], [500.0, 300.0], 20_000, seed=3)
    assert result.mean == pytest.approx(700.0, rel=0.01)
    certain = simulate_exposure([1.0], [250.0], [250.0], [250.0], 100, seed=3)
    assert (certain.mean, certain.p50, certain.p95) == (250.0, 250.0, 250.0)


def test_no_threats_means_no_exposure() -> None:
    result = simulate_exposure([], [], [], [], 1_000, seed=0)
    assert (result.mean, result.p50, result.p80, result.p95) == (0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("iterations", [0, MAX_ITERATIONS + 1])
def test_iterations_outside_the_limit_are_refused(iterations: int) -> None:
    with pytest.raises(ValueError, match=str(MAX_ITERATIONS)):
        simulate_exposure([0.5], [1.0], [2.0], [3.0], iterations, seed=0)


def test_ten_thousand_iterations_over_a_thousand_risks_runs() -> None:
    p, low, mode, high = portfolio(1_000)
    started = time.perf_counter()
    result = simulate_exposure(p, low, mode, high, 10_000, seed=5)
    elapsed = time.perf_counter() - started
    print(f"\n10,000 iterations x 1,000 risks: {elapsed:.3f}s")
    expected = analytic_mean(p, low, mode, high)
    assert abs(result.mean - expected) / expected < 0.02

"""Cost profiles (contract §7.3) against hand-worked cases: months once each, within the dates, and
amounts summing to the budget exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from pmo_portfolio.logic.profiles import month_of, pairs, profile_problems, stored

JAN, JUN = date(2027, 1, 15), date(2027, 6, 3)


def _p(*rows: tuple[str, str]) -> list[tuple[str, Decimal]]:
    return [(period, Decimal(amount)) for period, amount in rows]


def test_a_profile_within_the_dates_that_sums_to_the_budget_is_valid() -> None:
    profile = _p(("2027-01", "10.00"), ("2027-03", "0.00"), ("2027-06", "90.00"))
    assert profile_problems(profile, Decimal("100.00"), JAN, JUN) == []
    assert profile_problems([], Decimal("100.00"), None, None) == []  # no profile: linear by day


def test_each_problem_names_the_field_it_is_about() -> None:
    profile = _p(("2027-01", "10.00"), ("2027-01", "10.00"), ("2026-12", "10.00"), ("2027-07", "10.00"))
    problems = profile_problems(profile, Decimal("100.00"), JAN, JUN)
    assert [field for field, _ in problems] == [
        "cost_profile[1].period",
        "cost_profile[2].period",
        "cost_profile[3].period",
        "cost_profile",
    ]
    assert "more than once" in problems[0][1] and "2027-01..2027-06" in problems[1][1]
    assert "sum to 40.00 but the budget is 100.00" in problems[3][1]


def test_a_profile_needs_both_dates() -> None:
    for start, finish in ((None, JUN), (JAN, None), (None, None)):
        problems = profile_problems(_p(("2027-01", "1.00")), Decimal("1.00"), start, finish)
        assert [field for field, _ in problems] == ["cost_profile"]


def test_a_cent_off_is_refused() -> None:
    profile = _p(("2027-01", "33.33"), ("2027-02", "33.33"), ("2027-03", "33.33"))
    assert [f for f, _ in profile_problems(profile, Decimal("100.00"), JAN, JUN)] == ["cost_profile"]
    assert profile_problems(profile, Decimal("99.99"), JAN, JUN) == []


def test_stored_profiles_are_in_month_order_with_two_decimals() -> None:
    class Row:
        def __init__(self, period: str, amount: Decimal) -> None:
            self.period, self.amount = period, amount

    rows = [Row("2027-03", Decimal("5")), Row("2027-01", Decimal("1.5"))]
    assert stored(rows) == [{"period": "2027-01", "amount": "1.50"}, {"period": "2027-03", "amount": "5.00"}]
    assert pairs(stored(rows)) == [("2027-01", Decimal("1.50")), ("2027-03", Decimal("5.00"))]
    assert month_of(date(2027, 9, 30)) == "2027-09"


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12))
def test_any_split_of_a_budget_over_distinct_months_within_the_dates_is_valid(cents: list[int]) -> None:
    profile = [(f"2027-{i + 1:02d}", Decimal(c) / 100) for i, c in enumerate(cents)]
    budget = sum((amount for _, amount in profile), Decimal(0))
    assert profile_problems(profile, budget, date(2027, 1, 1), date(2027, 12, 31)) == []
    off = budget + Decimal("0.01")
    assert [f for f, _ in profile_problems(profile, off, date(2027, 1, 1), date(2027, 12, 31))] == [
        "cost_profile"
    ]

"""Costs by month, period budget and group checks, scenario comparison, and the phased bench instances."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from pmo_portfolio.logic.compare import Solved, compare_selections
from pmo_portfolio.logic.fit import satisfies
from pmo_portfolio.logic.instances import random_phased_instance
from pmo_portfolio.logic.periods import (
    Group,
    PeriodBudget,
    counted,
    group_problems,
    monthly_cost,
    period_budget_problems,
)
from pmo_portfolio.logic.selection import Rules, select_projects


def test_a_cost_profile_is_the_cost_by_month() -> None:
    assert monthly_cost(300, [("2027-01", 100), ("2027-03", 200)], None, None, "2026-12") == {
        "2027-01": 100,
        "2027-03": 200,
    }


def test_without_a_profile_cost_is_linear_by_day_to_the_cent() -> None:
    months = monthly_cost(100_00, [], date(2027, 1, 17), date(2027, 2, 28), "2026-12")
    assert months == {"2027-01": 34_88, "2027-02": 65_12}  # 15 and 28 of 43 days
    assert sum(months.values()) == 100_00


@given(
    total=st.integers(0, 10**12),
    start=st.dates(date(2020, 1, 1), date(2035, 1, 1)),
    days=st.integers(0, 3000),
)
def test_linear_spread_always_sums_to_the_total(total: int, start: date, days: int) -> None:
    finish = date.fromordinal(start.toordinal() + days)
    assert sum(monthly_cost(total, [], start, finish, "2020-01").values()) == total


def test_one_date_puts_everything_in_its_month_and_no_date_in_the_start_period() -> None:
    assert monthly_cost(500, [], date(2027, 5, 3), None, "2026-12") == {"2027-05": 500}
    assert monthly_cost(500, [], None, date(2027, 8, 3), "2026-12") == {"2027-08": 500}
    assert monthly_cost(500, [], None, None, "2026-12") == {"2026-12": 500}


def test_a_committed_project_counts_from_the_start_period_only() -> None:
    months = {"2026-10": 1, "2026-12": 2, "2027-01": 3}
    assert counted(months, True, "2026-12") == {"2026-12": 2, "2027-01": 3}
    assert counted(months, False, "2026-12") == months
    assert counted(months, True, None) == months


def test_period_labels_and_costs() -> None:
    fy = PeriodBudget("2027-01", "2027-12", 100, "FY2027")
    assert fy.label == "period budget 2027-01..2027-12 (FY2027)"
    assert PeriodBudget("2027-01", "2027-03", 1).label == "period budget 2027-01..2027-03"
    assert fy.cost({"2026-12": 5, "2027-01": 7, "2027-12": 11, "2028-01": 13}) == 18
    assert Group(("a", "b"), "at_most_one", 2).label == "group 2 (at_most_one)"
    assert Group(("a", "b"), "all_or_none", 1, "CRM").label == 'group 1 "CRM" (all_or_none)'


def test_period_budget_problems_name_the_field() -> None:
    assert period_budget_problems([("2027-01", "2027-12"), ("2028-01", "2028-12")]) == []
    assert period_budget_problems([("2027-05", "2027-04")]) == [
        ("period_budgets[0].to", "2027-04 is before the period's start 2027-05")
    ]
    assert period_budget_problems([("2028-01", "2028-12"), ("2027-01", "2028-01")]) == [
        (
            "period_budgets[0].from",
            "2028-01 falls inside period_budgets[1] (2027-01..2028-01); period budgets may not overlap",
        )
    ]


def test_group_problems_name_unknown_and_repeated_members() -> None:
    assert group_problems([["a", "b"], ["b", "x", "b"]], {"a", "b"}) == [
        ("groups[1].project_ids[1]", "x is not a project of this portfolio"),
        ("groups[1].project_ids[2]", "b appears more than once in the group"),
    ]


def test_compare_is_b_minus_a_month_by_month() -> None:
    a = Solved(["P1", "P2"], 10.0, 300, {"2027-01": 100, "2027-02": 200}, ["budget"])
    b = Solved(["P2", "P3"], 12.5, 250, {"2027-02": 50, "2027-03": 200}, [])
    c = compare_selections(a, b)
    assert (c.only_in_a, c.only_in_b, c.in_both) == (["P1"], ["P3"], ["P2"])
    assert c.value == (10.0, 12.5, 2.5) and c.cost == (300, 250, -50)
    assert c.by_month == [("2027-01", 100, 0), ("2027-02", 200, 50), ("2027-03", 0, 200)]
    assert c.binding == (["budget"], [])


def test_a_solve_stopped_at_its_time_limit_reports_a_bound_above_the_optimum() -> None:
    inst = random_phased_instance(1000, roles=10, years=5, groups=50, seed=1000)
    rules = Rules(periods=inst.periods, groups=inst.groups)
    stopped = select_projects(inst.candidates, None, inst.capacity, time_limit=5.0, rules=rules)
    assert stopped.value_bound is not None
    # The optimum (42,797.4, proven by a solve of minutes here) lies between the value and the bound;
    # a machine fast enough to prove it within the limit reports the bound equal to the value.
    assert stopped.total_value <= 42797.4 + 1e-6 <= stopped.value_bound + 2e-6
    assert stopped.value_bound > stopped.total_value or stopped.optimal


def test_phased_instances_are_reproducible_and_solve_exactly() -> None:
    inst = random_phased_instance(150, roles=3, years=3, groups=10, seed=4)
    assert inst == random_phased_instance(150, roles=3, years=3, groups=10, seed=4)
    assert [p.name for p in inst.periods] == ["FY2027", "FY2028", "FY2029"]
    assert all(sum(c.period_costs.values()) == c.cost for c in inst.candidates)
    rules = Rules(periods=inst.periods, groups=inst.groups)
    result = select_projects(inst.candidates, None, inst.capacity, rules=rules)
    assert result.optimal
    problem = rules.problem(inst.candidates, None, inst.capacity)
    assert satisfies(problem, [problem.index[p] for p in result.selected])
    assert any(b.startswith("period budget") for b in result.binding_constraints)


def test_phased_instance_schedules_follow_cost_and_yearly_budgets_are_40_to_60_percent() -> None:
    inst = random_phased_instance(300, roles=4, years=5, groups=10, seed=2)
    lengths: list[tuple[int, int]] = []
    for c in inst.candidates:
        months = sorted(c.period_costs)
        first = int(months[0][:4]) * 12 + int(months[0][5:]) - 1
        assert months == [f"{(first + k) // 12:04d}-{(first + k) % 12 + 1:02d}" for k in range(len(months))]
        assert {month for _role, month in c.demand} == set(months)
        costs = [c.period_costs[m] for m in months]
        if len(costs) >= 6:  # ramps up and down over three months at each end
            assert costs[0] < costs[len(costs) // 2] and costs[-1] < costs[len(costs) // 2]
        lengths.append((c.cost, len(months)))
    lengths.sort()
    quarter = len(lengths) // 4
    assert sum(n for _c, n in lengths[-quarter:]) > 3 * sum(n for _c, n in lengths[:quarter])
    spanning = [c for c in inst.candidates if len({m[:4] for m in c.period_costs}) > 1]
    assert len(spanning) > len(inst.candidates) / 2
    for p in inst.periods:
        total = sum(v for c in inst.candidates for m, v in c.period_costs.items() if p.covers(m))
        assert 0.4 * total <= p.amount <= 0.6 * total
    assert inst.budget == sum(p.amount for p in inst.periods)

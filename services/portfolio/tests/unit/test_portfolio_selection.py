import itertools
import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pmo_portfolio.logic.instances import random_instance
from pmo_portfolio.logic.selection import (
    Candidate,
    InfeasibleSelection,
    SelectionResult,
    efficient_frontier,
    greedy_select,
    select_projects,
)

Capacity = Mapping[tuple[str, str], float]


def reasons(result: SelectionResult) -> dict[str, list[str]]:
    return {e.project_id: e.reasons for e in result.excluded}


# --- brute force -----------------------------------------------------------------------------------


def brute_force(
    cands: Sequence[Candidate],
    budget: int,
    capacity: Capacity | None,
    force_in: Collection[str],
    force_out: Collection[str],
) -> float | None:
    """Best value over all 2^n subsets, or None when no subset is feasible."""
    n = len(cands)
    ids = [c.id for c in cands]
    if set(force_in) - set(ids):
        return None
    x = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    ok = np.ones(len(x), dtype=bool)
    ok &= x @ np.array([c.cost for c in cands], dtype=np.int64) <= budget
    for i, c in enumerate(cands):
        if c.mandatory or c.committed or c.id in force_in:
            ok &= x[:, i]
        if c.id in force_out:
            ok &= ~x[:, i]
        for d in c.depends_on:
            ok &= ~x[:, i] | (x[:, ids.index(d)] if d in ids else False)
        for e in c.excludes:
            if e in ids and e != c.id:
                ok &= ~(x[:, i] & x[:, ids.index(e)])
    if capacity is not None:
        keys = {k for c in cands for k in c.demand}
        for k in keys:
            ok &= x @ np.array([c.demand.get(k, 0.0) for c in cands]) <= capacity.get(k, 0.0) + 1e-9
    if not ok.any():
        return None
    values = x[ok] @ np.array([c.value for c in cands])
    return float(values.max())


def is_feasible(
    selected: Collection[str],
    cands: Sequence[Candidate],
    budget: int,
    capacity: Capacity | None,
    force_in: Collection[str] = (),
    force_out: Collection[str] = (),
) -> bool:
    by_id = {c.id: c for c in cands}
    sel = set(selected)
    if sum(by_id[p].cost for p in sel) > budget:
        return False
    for c in cands:
        required = c.mandatory or c.committed or c.id in force_in
        if (required and c.id not in sel) or (c.id in force_out and c.id in sel):
            return False
        if c.id in sel and (any(d not in sel for d in c.depends_on) or any(e in sel for e in c.excludes)):
            return False
    if capacity is not None:
        for k in {k for c in cands for k in c.demand}:
            if sum(by_id[p].demand.get(k, 0.0) for p in sel) > capacity.get(k, 0.0) + 1e-9:
                return False
    return True


ROLES_MONTHS = [("dev", "2027-01"), ("dev", "2027-02"), ("qa", "2027-01")]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Candidate], int, Capacity | None, set[str], set[str]]:
    n = draw(st.integers(min_value=0, max_value=12))
    ids = [f"P-{i}" for i in range(n)]
    cands = []
    for i in range(n):
        roll = draw(st.integers(0, 19))
        others = [p for p in ids if p != ids[i]]
        depends_on = (
            draw(st.lists(st.sampled_from([*others, "GONE"]), max_size=2)) if roll < 6 and others else []
        )
        excludes = draw(st.lists(st.sampled_from(others), max_size=2)) if roll % 4 == 0 and others else []
        demand = {
            k: float(draw(st.integers(1, 10)))
            for k in draw(st.lists(st.sampled_from(ROLES_MONTHS), max_size=3, unique=True))
        }
        cands.append(
            Candidate(
                id=ids[i],
                cost=draw(st.integers(0, 100)),
                value=draw(st.integers(0, 1000)) / 10,
                mandatory=roll == 7,
                committed=roll == 8,
                depends_on=tuple(depends_on),
                excludes=tuple(excludes),
                demand=demand,
            )
        )
    budget = draw(st.integers(0, 400))
    capacity: Capacity | None = None
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(ROLES_MONTHS), unique=True))
        capacity = {k: float(draw(st.integers(0, 25))) for k in keys}
    force_in = set(draw(st.lists(st.sampled_from([*ids, "P-99"]), max_size=2))) if ids else set()
    force_out = set(draw(st.lists(st.sampled_from(ids), max_size=2))) if ids else set()
    return cands, budget, capacity, force_in, force_out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_matches_brute_force(
    instance: tuple[list[Candidate], int, Capacity | None, set[str], set[str]],
) -> None:
    cands, budget, capacity, force_in, force_out = instance
    best = brute_force(cands, budget, capacity, force_in, force_out)
    try:
        result = select_projects(cands, budget, capacity, force_in=force_in, force_out=force_out)
    except InfeasibleSelection as error:
        assert best is None, f"solver says infeasible ({error.conflicts}) but brute force found {best}"
        assert error.conflicts and all(isinstance(c, str) and c for c in error.conflicts)
        return
    assert best is not None, f"brute force found nothing but the solver returned {result.selected}"
    assert result.optimal
    assert result.total_value == pytest.approx(best, abs=1e-6)
    assert is_feasible(result.selected, cands, budget, capacity, force_in, force_out)
    by_id = {c.id: c for c in cands}
    assert result.total_cost == sum(by_id[p].cost for p in result.selected)
    assert result.budget_slack == budget - result.total_cost
    assert result.total_value == pytest.approx(sum(by_id[p].value for p in result.selected))
    excluded = reasons(result)
    assert set(excluded) | set(result.selected) == set(by_id)
    assert not set(excluded) & set(result.selected)
    assert all(r and all(isinstance(s, str) and s for s in r) for r in excluded.values())
    assert result.selected == sorted(result.selected)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_greedy_is_feasible_and_never_beats_the_optimum(
    instance: tuple[list[Candidate], int, Capacity | None, set[str], set[str]],
) -> None:
    cands, budget, capacity, _, _ = instance
    best = brute_force(cands, budget, capacity, (), ())
    if best is None:
        with pytest.raises(InfeasibleSelection):
            greedy_select(cands, budget, capacity)
        return
    result = greedy_select(cands, budget, capacity)
    assert is_feasible(result.selected, cands, budget, capacity)
    assert result.total_value <= best + 1e-6
    assert not result.optimal and result.status == "heuristic"
    assert set(reasons(result)) == {c.id for c in cands} - set(result.selected)


# --- examples ------------------------------------------------------------------------------------------


def test_exact_selection_beats_value_per_cost_greedy() -> None:
    # Greedy takes A (best ratio) and then nothing else fits; B + C is worth more.
    cands = [Candidate("A", 60, 70.0), Candidate("B", 50, 50.0), Candidate("C", 50, 50.0)]
    assert select_projects(cands, 100).selected == ["B", "C"]
    assert greedy_select(cands, 100).selected == ["A"]


def test_budget_line_reason_names_cost_slack_and_displaced_projects() -> None:
    cands = [
        Candidate("P-7", 600_000_00, 40.0),
        Candidate("P-12", 600_000_00, 40.0),
        Candidate("P-1", 1_200_000_00, 70.0),
    ]
    result = select_projects(cands, 1_500_000_00)
    assert result.selected == ["P-12", "P-7"]
    assert result.budget_slack == 300_000_00
    assert reasons(result) == {
        "P-1": [
            "below the budget line: it costs 1,200,000.00 and only 300,000.00 is left; it would displace P-12, P-7"
        ]
    }
    assert result.binding_constraints == ["budget"]


def test_project_costing_more_than_what_mandatory_ones_leave_is_over_the_budget() -> None:
    cands = [Candidate("M", 80, 1.0, mandatory=True), Candidate("X", 30, 99.0)]
    result = select_projects(cands, 100)
    assert result.selected == ["M"]
    assert reasons(result)["X"] == [
        "over the budget: it costs 0.30 and only 0.20 is left after the projects that must be selected"
    ]


def test_mandatory_and_committed_projects_are_always_selected() -> None:
    cands = [
        Candidate("M", 50, 0.0, mandatory=True),
        Candidate("C", 40, 1.0, committed=True),
        Candidate("X", 20, 100.0),
    ]
    result = select_projects(cands, 100)
    assert result.selected == ["C", "M"]
    assert result.total_cost == 90


def test_force_in_and_force_out() -> None:
    cands = [Candidate("A", 10, 10.0), Candidate("B", 10, 1.0)]
    result = select_projects(cands, 10, force_in=["B"], force_out=["A"])
    assert result.selected == ["B"]
    assert reasons(result) == {"A": ["it is forced out"]}


def test_dependency_pulls_in_its_prerequisite() -> None:
    cands = [
        Candidate("APP", 50, 90.0, depends_on=("PLATFORM",)),
        Candidate("PLATFORM", 50, 1.0),
        Candidate("Z", 60, 50.0),
    ]
    assert select_projects(cands, 100).selected == ["APP", "PLATFORM"]


def test_dependent_is_excluded_when_its_prerequisite_is_not_selected() -> None:
    cands = [
        Candidate("APP", 10, 90.0, depends_on=("PLATFORM",)),
        Candidate("PLATFORM", 95, 1.0),
        Candidate("Q", 90, 50.0),
    ]
    result = select_projects(cands, 100)
    assert result.selected == ["Q"]
    assert reasons(result) == {
        "APP": ["it depends on PLATFORM, which is not selected"],
        "PLATFORM": ["below the budget line: it costs 0.95 and only 0.10 is left; it would displace Q"],
    }


def test_displacement_never_names_the_projects_own_dependencies() -> None:
    cands = [Candidate("APP", 10, 90.0, depends_on=("PLATFORM",)), Candidate("PLATFORM", 95, 1.0)]
    result = select_projects(cands, 100)
    assert result.selected == ["PLATFORM"]
    assert reasons(result) == {"APP": ["below the budget line: it costs 0.10 and only 0.05 is left"]}


def test_dependency_on_a_non_candidate_excludes_the_project() -> None:
    result = select_projects([Candidate("A", 1, 5.0, depends_on=("GONE",)), Candidate("B", 1, 1.0)], 100)
    assert result.selected == ["B"]
    assert reasons(result) == {"A": ["it depends on GONE, which is not a candidate"]}


def test_dependents_of_forced_out_projects_are_excluded_transitively() -> None:
    cands = [
        Candidate("A", 1, 5.0, depends_on=("B",)),
        Candidate("B", 1, 5.0, depends_on=("C",)),
        Candidate("C", 1, 5.0),
    ]
    result = select_projects(cands, 100, force_out=["C"])
    assert result.selected == []
    assert reasons(result)["A"] == [
        "it depends on B, which cannot be selected (it depends on C, which cannot be selected (it is forced out))"
    ]


def test_exclusion_is_symmetric_when_listed_on_one_side_only() -> None:
    cands = [Candidate("A", 1, 5.0), Candidate("B", 1, 6.0, excludes=("A",))]
    result = select_projects(cands, 100)
    assert result.selected == ["B"]
    assert reasons(result) == {"A": ["it excludes B, which is selected"]}


def test_capacity_limits_selection_and_is_explained() -> None:
    cands = [
        Candidate("A", 1, 10.0, demand={("dev", "2027-01"): 80.0}),
        Candidate("B", 1, 9.0, demand={("dev", "2027-01"): 60.0}),
        Candidate("C", 1, 1.0, demand={("qa", "2027-01"): 10.0}),
    ]
    capacity = {("dev", "2027-01"): 100.0}
    result = select_projects(cands, 100, capacity)
    assert result.selected == ["A"]
    assert reasons(result) == {
        "B": ["not enough dev capacity in 2027-01: it needs 60.0 h and only 20.0 h is left"],
        "C": ["not enough qa capacity in 2027-01: it needs 10.0 h and only 0.0 h is left"],
    }
    # Without capacity the demand is ignored.
    assert select_projects(cands, 100).selected == ["A", "B", "C"]


def test_binding_capacity_row_is_reported() -> None:
    cands = [
        Candidate("A", 1, 10.0, demand={("dev", "2027-01"): 100.0}),
        Candidate("B", 1, 1.0, demand={("dev", "2027-01"): 1.0}),
    ]
    result = select_projects(cands, 100, {("dev", "2027-01"): 100.0})
    assert result.binding_constraints == ["capacity dev 2027-01"]


def test_budget_is_not_binding_when_every_excluded_project_would_fit_the_slack() -> None:
    cands = [Candidate("A", 10, 1.0), Candidate("B", 10, 2.0, excludes=("A",))]
    result = select_projects(cands, 100)
    assert result.binding_constraints == []


def test_zero_value_project_gets_a_reason() -> None:
    result = select_projects([Candidate("A", 10, 0.0), Candidate("B", 10, 3.0)], 15)
    assert reasons(result) == {
        "A": ["below the budget line: it costs 0.10 and only 0.05 is left; it would displace B"]
    }


def test_empty_candidates() -> None:
    result = select_projects([], 1000)
    assert result.status == "empty" and result.optimal
    assert result.selected == [] and result.excluded == []
    assert result.budget_slack == 1000 and result.total_value == 0


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="twice"):
        select_projects([Candidate("A", 1, 1.0), Candidate("A", 2, 2.0)], 10)


def test_solution_is_deterministic() -> None:
    cands, budget, capacity = random_instance(60, 3, 6, seed=7)
    first = select_projects(cands, budget, capacity)
    assert all(select_projects(cands, budget, capacity).selected == first.selected for _ in range(3))


# --- infeasibility --------------------------------------------------------------------------------------


def conflicts(**kwargs: object) -> list[str]:
    with pytest.raises(InfeasibleSelection) as info:
        select_projects(**kwargs)  # type: ignore[arg-type]
    assert str(info.value) == "; ".join(info.value.conflicts)
    return info.value.conflicts


def test_mandatory_cost_over_budget_is_infeasible() -> None:
    found = conflicts(
        candidates=[Candidate("M", 150_00, 1.0, mandatory=True), Candidate("C", 60_00, 1.0, committed=True)],
        budget=200_00,
    )
    assert found == ["the projects that must be selected (C, M) cost 210.00 but the budget is 200.00"]


def test_mandatory_project_whose_dependency_is_forced_out() -> None:
    found = conflicts(
        candidates=[Candidate("M", 1, 1.0, mandatory=True, depends_on=("D",)), Candidate("D", 1, 1.0)],
        budget=10,
        force_out=["D"],
    )
    assert found == ["D must be selected (M depends on it; M is mandatory) but cannot be (it is forced out)"]


def test_committed_project_whose_dependency_is_missing() -> None:
    found = conflicts(candidates=[Candidate("C", 1, 1.0, committed=True, depends_on=("GONE",))], budget=10)
    assert found == [
        "C must be selected (it is committed (in progress)) but cannot be (it depends on GONE, which is not a candidate)"
    ]


def test_forced_in_pair_that_exclude_each_other() -> None:
    found = conflicts(
        candidates=[Candidate("A", 1, 1.0, excludes=("B",)), Candidate("B", 1, 1.0)],
        budget=10,
        force_in=["A", "B"],
    )
    assert len(found) == 1 and "A and B exclude each other" in found[0]


def test_forced_in_and_out_at_once() -> None:
    found = conflicts(candidates=[Candidate("A", 1, 1.0)], budget=10, force_in=["A"], force_out=["A"])
    assert found == ["A must be selected (it is forced in) but cannot be (it is forced out)"]


def test_forced_in_project_that_is_not_a_candidate() -> None:
    found = conflicts(candidates=[Candidate("A", 1, 1.0)], budget=10, force_in=["X"])
    assert found == ["X is forced in but is not a candidate (closed, cancelled, rejected or unknown)"]


def test_forced_demand_over_capacity() -> None:
    found = conflicts(
        candidates=[Candidate("M", 1, 1.0, mandatory=True, demand={("dev", "2027-03"): 120.0})],
        budget=10,
        capacity={("dev", "2027-03"): 100.0},
    )
    assert found == [
        "the projects that must be selected (M) need 120.0 h of dev in 2027-03 but only 100.0 h is available"
    ]


def test_infeasible_selection_is_a_value_error() -> None:
    assert issubclass(InfeasibleSelection, ValueError)


# --- frontier, scale --------------------------------------------------------------------------------------


def test_efficient_frontier_skips_budgets_below_what_must_be_selected() -> None:
    cands = [
        Candidate("M", 50, 1.0, mandatory=True, depends_on=("D",)),  # must-select cost: 50 + 20
        Candidate("D", 20, 1.0),
        Candidate("X", 30, 10.0),
        Candidate("Y", 100, 20.0),
    ]
    points = efficient_frontier(cands, [200, 0, 60, 70, 100], None)
    assert [(p.budget, p.value, p.project_ids) for p in points] == [
        (70, 2.0, ["D", "M"]),
        (100, 12.0, ["D", "M", "X"]),
        (200, 32.0, ["D", "M", "X", "Y"]),
    ]


def test_efficient_frontier_is_monotone_and_each_point_optimal() -> None:
    cands, budget, capacity = random_instance(40, 3, 6, seed=3)
    total = sum(c.cost for c in cands)
    budgets = [budget + (total - budget) * k // 5 for k in range(6)]
    points = efficient_frontier(cands, budgets, capacity)
    assert [p.budget for p in points] == budgets
    assert all(a.value <= b.value + 1e-9 for a, b in itertools.pairwise(points))
    for p in points:
        assert p.optimal
        assert p.value == pytest.approx(select_projects(cands, p.budget, capacity).total_value)
        assert is_feasible(p.project_ids, cands, p.budget, capacity)


def test_random_instance_is_reproducible() -> None:
    assert random_instance(50, 4, 6, seed=1) == random_instance(50, 4, 6, seed=1)
    assert random_instance(50, 4, 6, seed=1) != random_instance(50, 4, 6, seed=2)


def test_thousand_candidates_with_capacity_solve_to_optimality() -> None:
    cands, budget, capacity = random_instance(1000, 10, 12, seed=0)
    assert sum(len(c.depends_on) for c in cands) > 100
    result = select_projects(cands, budget, capacity)
    assert result.optimal and result.status == "optimal"
    assert result.value_bound == result.total_value
    assert is_feasible(result.selected, cands, budget, capacity)
    assert len(result.excluded) + len(result.selected) == 1000
    assert all(e.reasons for e in result.excluded)
    assert result.total_value >= greedy_select(cands, budget, capacity).total_value
    assert math.isfinite(result.seconds)


def test_time_limit_returns_a_feasible_selection_marked_not_optimal() -> None:
    cands, budget, capacity = random_instance(300, 5, 12, seed=0)
    result = select_projects(cands, budget, capacity, time_limit=0.0)
    assert result.status == "time_limit" and not result.optimal
    # Stopped before HiGHS proved anything: no bound, or one at least the value returned.
    assert result.value_bound is None or result.value_bound >= result.total_value
    assert is_feasible(result.selected, cands, budget, capacity)
    assert all(e.reasons for e in result.excluded)

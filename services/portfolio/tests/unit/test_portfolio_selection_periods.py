"""Selection with period budgets, groups and a start period (contract §7.4): the MILP against brute
force with hypothesis, and the reasons and conflicts that name the binding period budget or group."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pmo_portfolio.logic.periods import Group, PeriodBudget
from pmo_portfolio.logic.selection import (
    Candidate,
    InfeasibleSelection,
    Rules,
    SelectionResult,
    efficient_frontier,
    greedy_select,
    select_projects,
)

MONTHS = [f"2027-{m:02d}" for m in range(1, 7)]


def reasons(result: SelectionResult) -> dict[str, list[str]]:
    return {e.project_id: e.reasons for e in result.excluded}


@dataclass
class Instance:
    cands: list[Candidate]
    budget: int | None
    rules: Rules


# --- brute force: every subset, the rules written out again from the contract ----------------------


def counted_months(c: Candidate, start_period: str | None) -> dict[str, int]:
    if c.committed and start_period is not None:
        return {m: v for m, v in c.period_costs.items() if m >= start_period}
    return dict(c.period_costs)


def feasible_mask(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(subsets as a boolean matrix, which of them satisfy every constraint)."""
    cands, rules = inst.cands, inst.rules
    n = len(cands)
    ids = [c.id for c in cands]
    x = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    ok = np.ones(len(x), dtype=bool)
    if set(rules.force_in) - set(ids):
        return x, ok & False
    months = [counted_months(c, rules.start_period) for c in cands]
    if inst.budget is not None:
        ok &= x @ np.array([sum(m.values()) for m in months], dtype=np.int64) <= inst.budget
    for p in rules.periods:
        row = [sum(v for k, v in m.items() if p.first <= k <= p.last) for m in months]
        ok &= x @ np.array(row, dtype=np.int64) <= p.amount
    for i, c in enumerate(cands):
        if c.mandatory or c.committed or c.id in rules.force_in:
            ok &= x[:, i]
        if c.id in rules.force_out:
            ok &= ~x[:, i]
        for d in c.depends_on:
            ok &= ~x[:, i] | (x[:, ids.index(d)] if d in ids else False)
        for e in c.excludes:
            if e in ids and e != c.id:
                ok &= ~(x[:, i] & x[:, ids.index(e)])
    for g in rules.groups:
        cols = sorted({ids.index(p) for p in g.project_ids if p in ids})
        count = x[:, cols].sum(axis=1) if cols else np.zeros(len(x), dtype=np.int64)
        if g.rule == "all_or_none":
            ok &= (count == 0) | (count == len(cols))
        elif g.rule == "at_most_one":
            ok &= count <= 1
        else:
            ok &= count >= 1
    return x, ok


def brute_force(inst: Instance) -> float | None:
    x, ok = feasible_mask(inst)
    if not ok.any():
        return None
    return float((x[ok] @ np.array([c.value for c in inst.cands])).max())


def is_feasible(selected: Sequence[str], inst: Instance) -> bool:
    ids = [c.id for c in inst.cands]
    _, ok = feasible_mask(inst)
    row = sum(1 << ids.index(p) for p in selected)
    return bool(ok[row])


# --- instances -------------------------------------------------------------------------------------


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, int]:
    months = draw(st.lists(st.sampled_from(MONTHS), min_size=1, max_size=4, unique=True))
    return {m: draw(st.integers(0, 60)) for m in months}


@st.composite
def periods(draw: st.DrawFn) -> list[PeriodBudget]:
    cuts = sorted(draw(st.lists(st.integers(0, len(MONTHS)), max_size=6, unique=True)))
    out = []
    for a, b in itertools.pairwise(cuts):
        if draw(st.booleans()):  # leave gaps between some periods
            out.append(PeriodBudget(MONTHS[a], MONTHS[b - 1], draw(st.integers(0, 200)), f"Q{a}"))
    return out


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n = draw(st.integers(min_value=0, max_value=11))
    ids = [f"P-{i}" for i in range(n)]
    cands = []
    for i in range(n):
        roll = draw(st.integers(0, 19))
        others = [p for p in ids if p != ids[i]]
        depends_on = (
            draw(st.lists(st.sampled_from([*others, "GONE"]), max_size=1)) if roll < 4 and others else []
        )
        excludes = draw(st.lists(st.sampled_from(others), max_size=1)) if roll % 5 == 0 and others else []
        profile = draw(profiles())
        cands.append(
            Candidate(
                id=ids[i],
                cost=sum(profile.values()),
                value=draw(st.integers(0, 1000)) / 10,
                mandatory=roll == 7,
                committed=roll in (8, 9),
                depends_on=tuple(depends_on),
                excludes=tuple(excludes),
                period_costs=profile,
            )
        )
    groups = []
    if n >= 2:
        for k in range(draw(st.integers(0, 3))):
            members = draw(st.lists(st.sampled_from([*ids, "GONE"]), min_size=2, max_size=3, unique=True))
            rule = draw(st.sampled_from(["all_or_none", "at_most_one", "at_least_one"]))
            groups.append(Group(tuple(members), rule, number=k + 1))
    force_out = set(draw(st.lists(st.sampled_from(ids), max_size=1))) if ids else set()
    budget = draw(st.one_of(st.none(), st.integers(0, 400)))
    start = draw(st.sampled_from([None, *MONTHS, "2027-07"]))
    return Instance(
        cands, budget, Rules(force_out=force_out, periods=draw(periods()), groups=groups, start_period=start)
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_with_periods_and_groups_matches_brute_force(inst: Instance) -> None:
    best = brute_force(inst)
    try:
        result = select_projects(inst.cands, inst.budget, rules=inst.rules)
    except InfeasibleSelection as error:
        assert best is None, f"solver says infeasible ({error.conflicts}) but brute force found {best}"
        assert error.conflicts and all(isinstance(c, str) and c for c in error.conflicts)
        return
    assert best is not None, f"brute force found nothing but the solver returned {result.selected}"
    assert result.optimal
    assert result.total_value == pytest.approx(best, abs=1e-6)
    assert is_feasible(result.selected, inst)
    by_id = {c.id: c for c in inst.cands}
    months = {p: counted_months(by_id[p], inst.rules.start_period) for p in result.selected}
    assert result.total_cost == sum(sum(m.values()) for m in months.values())
    assert result.budget_slack == (None if inst.budget is None else inst.budget - result.total_cost)
    for outcome, period in zip(result.periods, inst.rules.periods, strict=True):
        cost = sum(v for m in months.values() for k, v in m.items() if period.covers(k))
        assert (outcome.cost, outcome.slack) == (cost, period.amount - cost)
    assert sum(result.cost_by_month.values()) == result.total_cost
    excluded = reasons(result)
    assert set(excluded) | set(result.selected) == set(by_id)
    assert all(r and all(isinstance(s, str) and s for s in r) for r in excluded.values())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_greedy_with_periods_and_groups_is_feasible_and_never_beats_the_optimum(inst: Instance) -> None:
    best = brute_force(inst)
    try:
        result = greedy_select(inst.cands, inst.budget, rules=inst.rules)
    except InfeasibleSelection:
        return  # a heuristic may miss a selection for an at_least_one group; never invent one
    assert best is not None
    assert is_feasible(result.selected, inst)
    assert result.total_value <= best + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.lists(st.integers(0, 500), min_size=1, max_size=4))
def test_frontier_under_period_budgets_is_exact_at_each_budget(inst: Instance, budgets: list[int]) -> None:
    """The frontier's axis is the overall budget; period budgets and groups stay fixed."""
    try:
        points = efficient_frontier(inst.cands, budgets, None, inst.rules)
    except InfeasibleSelection:
        assert all(brute_force(Instance(inst.cands, b, inst.rules)) is None for b in budgets)
        return
    by_budget = {p.budget: p for p in points}
    for b in sorted(set(budgets)):
        best = brute_force(Instance(inst.cands, b, inst.rules))
        if best is None:
            assert b not in by_budget
            continue
        assert by_budget[b].value == pytest.approx(best, abs=1e-6)
        assert is_feasible(by_budget[b].project_ids, Instance(inst.cands, b, inst.rules))
    assert all(a.value <= b.value + 1e-9 for a, b in itertools.pairwise(points))


# --- reasons name the binding period budget or group ------------------------------------------------

FY27 = PeriodBudget("2027-01", "2027-12", 1_500_000_00, "FY2027")
FY28 = PeriodBudget("2028-01", "2028-12", 5_000_000_00, "FY2028")


def phased(pid: str, value: float, months: dict[str, int], **kw: object) -> Candidate:
    return Candidate(pid, sum(months.values()), value, period_costs=months, **kw)  # type: ignore[arg-type]


def test_exclusion_names_the_fiscal_year_whose_budget_binds() -> None:
    cands = [
        phased("P-7", 40.0, {"2027-06": 600_000_00}),
        phased("P-12", 40.0, {"2027-09": 600_000_00}),
        phased("P-1", 70.0, {"2027-11": 1_200_000_00, "2028-02": 100_000_00}),
    ]
    result = select_projects(cands, None, rules=Rules(periods=[FY27, FY28]))
    assert result.selected == ["P-12", "P-7"]
    assert reasons(result) == {
        "P-1": [
            "below the line of period budget 2027-01..2027-12 (FY2027): it costs 1,200,000.00 in that period "
            "and only 300,000.00 is left; it would displace P-12, P-7"
        ]
    }
    assert result.binding_constraints == ["period budget 2027-01..2027-12 (FY2027)"]
    assert result.budget_slack is None
    assert [(o.cost, o.slack) for o in result.periods] == [(1_200_000_00, 300_000_00), (0, 5_000_000_00)]
    assert result.cost_by_month == {"2027-06": 600_000_00, "2027-09": 600_000_00}


def test_a_project_over_what_a_period_leaves_after_required_ones() -> None:
    cands = [
        phased("M", 1.0, {"2027-03": 1_400_000_00}, mandatory=True),
        phased("X", 99.0, {"2027-04": 200_000_00}),
    ]
    result = select_projects(cands, None, rules=Rules(periods=[FY27]))
    assert reasons(result)["X"] == [
        "over period budget 2027-01..2027-12 (FY2027): it costs 200,000.00 in that period and only "
        "100,000.00 is left after the projects that must be selected"
    ]


def test_at_most_one_group_names_the_selected_alternative() -> None:
    cands = [Candidate("P-07", 10, 9.0), Candidate("P-08", 10, 5.0), Candidate("P-09", 10, 1.0)]
    groups = [Group(("P-09", "P-01"), "all_or_none", 1), Group(("P-07", "P-08"), "at_most_one", 2)]
    result = select_projects(cands, 100, rules=Rules(groups=groups))
    assert result.selected == ["P-07", "P-09"]
    assert reasons(result) == {"P-08": ["group 2 (at_most_one) already has P-07 selected"]}
    assert result.binding_constraints == ["group 2 (at_most_one)"]


def test_all_or_none_group_is_taken_whole_and_its_package_cost_is_named() -> None:
    cands = [Candidate("A", 60, 50.0), Candidate("B", 60, 50.0), Candidate("C", 70, 10.0)]
    group = Group(("A", "B"), "all_or_none", 1, "Platform")
    result = select_projects(cands, 100, rules=Rules(groups=[group]))
    assert result.selected == ["C"]
    assert reasons(result)["A"] == [
        'group 1 "Platform" (all_or_none) takes it only together with B',
        "together with B it needs 1.20 of the budget and only 0.30 is left",
    ]
    assert 'group 1 "Platform" (all_or_none)' in result.binding_constraints
    assert select_projects(cands, 120, rules=Rules(groups=[group])).selected == ["A", "B"]


def test_mandatory_member_pulls_its_all_or_none_partners_in() -> None:
    cands = [Candidate("M", 10, 1.0, mandatory=True), Candidate("Q", 10, 0.0), Candidate("R", 95, 50.0)]
    result = select_projects(cands, 100, rules=Rules(groups=[Group(("M", "Q"), "all_or_none", 1)]))
    assert result.selected == ["M", "Q"]


def test_in_progress_project_counts_only_its_cost_from_the_start_period() -> None:
    running = phased("RUN", 0.0, {"2026-10": 900_00, "2027-02": 100_00}, committed=True)
    new = phased("NEW", 10.0, {"2027-03": 900_00})
    rules = Rules(periods=[PeriodBudget("2026-01", "2027-12", 1_000_00)], start_period="2027-01")
    result = select_projects([running, new], 1_000_00, rules=rules)
    assert result.selected == ["NEW", "RUN"]
    assert result.total_cost == 1_000_00 and result.budget_slack == 0
    assert result.cost_by_month == {"2027-02": 100_00, "2027-03": 900_00}
    # From an earlier start period its spent months count again and NEW no longer fits.
    earlier = select_projects(
        [running, new], 1_000_00, rules=Rules(periods=rules.periods, start_period="2026-01")
    )
    assert earlier.selected == ["RUN"]


# --- infeasibility names the period budget or group -------------------------------------------------


def conflicts(cands: list[Candidate], budget: int | None, rules: Rules) -> list[str]:
    with pytest.raises(InfeasibleSelection) as info:
        select_projects(cands, budget, rules=rules)
    return info.value.conflicts


def test_mandatory_projects_over_a_period_budget_are_infeasible() -> None:
    cands = [
        phased("M", 1.0, {"2027-05": 1_000_000_00}, mandatory=True),
        phased("C", 1.0, {"2027-06": 600_000_00, "2028-01": 1}, committed=True),
        phased("X", 1.0, {"2028-03": 1}, mandatory=True),
    ]
    assert conflicts(cands, None, Rules(periods=[FY27, FY28])) == [
        "the projects that must be selected (C, M) cost 1,600,000.00 within period budget 2027-01..2027-12 "
        "(FY2027) but it is 1,500,000.00"
    ]


def test_at_least_one_group_whose_projects_are_all_ruled_out() -> None:
    cands = [
        Candidate("A", 1, 1.0),
        Candidate("B", 1, 1.0, excludes=("M",)),
        Candidate("M", 1, 1.0, mandatory=True),
    ]
    found = conflicts(cands, 10, Rules(force_out=["A"], groups=[Group(("A", "B"), "at_least_one", 3)]))
    assert found == [
        "group 3 (at_least_one) cannot be satisfied: every project in it is ruled out "
        "(A: it is forced out; B: it excludes M, which must be selected)"
    ]
    found = conflicts(cands, 10, Rules(groups=[Group(("GONE", "LOST"), "at_least_one", 1)]))
    assert found == [
        "group 1 (at_least_one) cannot be satisfied: none of its projects is a candidate "
        "(closed, cancelled, rejected or unknown)"
    ]


def test_at_least_one_group_none_of_whose_projects_fits() -> None:
    cands = [
        phased("A", 1.0, {"2027-02": 400_00}),
        phased("B", 1.0, {"2027-02": 300_00}, depends_on=("D",)),
        phased("D", 1.0, {"2027-03": 200_00}),
        phased("M", 1.0, {"2027-01": 800_00}, mandatory=True),
    ]
    rules = Rules(
        periods=[PeriodBudget("2027-01", "2027-06", 1_000_00, "H1")],
        groups=[Group(("A", "B"), "at_least_one", 1)],
    )
    assert conflicts(cands, None, rules) == [
        "group 1 (at_least_one) cannot be satisfied: none of its projects fits beside the projects that must "
        "be selected (A: needs 400.00 of period budget 2027-01..2027-06 (H1) and only 200.00 is left; "
        "B: needs 500.00 of period budget 2027-01..2027-06 (H1) and only 200.00 is left)"
    ]


def test_groups_that_cannot_all_be_met_name_the_first_that_fails() -> None:
    # Each group on its own fits, but both together exceed the budget.
    cands = [
        Candidate("A", 60, 1.0),
        Candidate("B", 70, 1.0),
        Candidate("C", 60, 1.0),
        Candidate("D", 80, 1.0),
    ]
    groups = [Group(("A", "B"), "at_least_one", 1), Group(("C", "D"), "at_least_one", 2)]
    assert conflicts(cands, 100, Rules(groups=groups)) == [
        "group 2 (at_least_one) cannot be satisfied together with the other constraints and group 1 (at_least_one)"
    ]


def test_two_required_projects_in_an_at_most_one_group() -> None:
    cands = [Candidate("A", 1, 1.0, mandatory=True), Candidate("B", 1, 1.0, committed=True)]
    assert conflicts(cands, 10, Rules(groups=[Group(("A", "B"), "at_most_one", 1)])) == [
        "A and B are both in group 1 (at_most_one) but both must be selected "
        "(A: it is mandatory; B: it is committed (in progress))"
    ]


def test_all_or_none_with_a_required_and_a_forced_out_member() -> None:
    cands = [Candidate("A", 1, 1.0, mandatory=True), Candidate("B", 1, 1.0)]
    found = conflicts(cands, 10, Rules(force_out=["B"], groups=[Group(("A", "B"), "all_or_none", 1)]))
    assert found == [
        "B must be selected (it is in group 1 (all_or_none) with A; A is mandatory) but cannot be (it is forced out)"
    ]


def test_overlapping_period_budgets_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlap"):
        select_projects([], None, rules=Rules(periods=[FY27, PeriodBudget("2027-12", "2028-03", 1)]))


def test_a_cost_by_month_that_does_not_sum_to_the_cost_is_rejected() -> None:
    with pytest.raises(ValueError, match="does not sum"):
        select_projects([Candidate("A", 10, 1.0, period_costs={"2027-01": 9})], 100)

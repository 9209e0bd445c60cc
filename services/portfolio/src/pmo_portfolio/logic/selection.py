"""Exact project selection: a 0/1 MILP solved by HiGHS, with reasons for every excluded project.

    maximise   Σ value_i x_i
    subject to Σ cost_i x_i <= budget                  when there is an overall budget
               Σ cost_i,p x_i <= amount_p               for every period budget p (months first..last)
               x_i = 1                 mandatory, committed (in progress), forced in
               x_i = 0                 forced out, depends on a project that is not a candidate
               x_i - x_j <= 0          i depends on j
               x_i + x_j <= 1          i and j exclude each other
               x_a - x_b = 0           a, b consecutive members of an all_or_none group
               Σ_{i in g} x_i <= 1     at_most_one group g
               Σ_{i in g} x_i >= 1     at_least_one group g
               Σ demand_ir,m x_i <= capacity_r,m   for every (role, month) in any demand
               x_i ∈ {0, 1}

cost_i is what the selection counts of project i: its whole cost, except that a committed project counts
only its months from the start period on; cost_i,p is the part of that in the months of period p.
Before solving, the projects that must be selected (and, transitively, their dependencies and
all_or_none partners) and those that cannot be are worked out (`problem`); the MILP is built and solved
by HiGHS (`milp`); every excluded project gets its reasons (`explain`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from pmo_portfolio.logic.explain import explain_exclusions
from pmo_portfolio.logic.fit import Load, greedy_fill
from pmo_portfolio.logic.milp import solve
from pmo_portfolio.logic.periods import Group, PeriodBudget
from pmo_portfolio.logic.problem import (
    Candidate,
    Capacity,
    InfeasibleSelection,
    Problem,
    build_problem,
)

__all__ = [
    "Candidate",
    "Capacity",
    "Exclusion",
    "FrontierPoint",
    "Group",
    "InfeasibleSelection",
    "PeriodBudget",
    "PeriodOutcome",
    "Rules",
    "SelectionResult",
    "build_problem",
    "efficient_frontier",
    "greedy_select",
    "select_projects",
]


@dataclass(frozen=True)
class Rules:
    """What a selection must respect besides the overall budget and capacity: forced projects, period
    budgets, groups, and the start period from which a committed project's cost counts."""

    force_in: Collection[str] = ()
    force_out: Collection[str] = ()
    periods: Sequence[PeriodBudget] = ()
    groups: Sequence[Group] = ()
    start_period: str | None = None

    def problem(
        self, candidates: Sequence[Candidate], budget: int | None, capacity: Capacity | None
    ) -> Problem:
        return build_problem(
            candidates,
            budget,
            capacity,
            self.force_in,
            self.force_out,
            periods=self.periods,
            groups=self.groups,
            start_period=self.start_period,
        )


@dataclass(frozen=True)
class Exclusion:
    project_id: str
    reasons: list[str]


@dataclass(frozen=True)
class PeriodOutcome:
    period: PeriodBudget
    cost: int  # what the selection costs within it
    slack: int


@dataclass(frozen=True)
class SelectionResult:
    selected: list[str]
    excluded: list[Exclusion]
    total_value: float
    total_cost: int
    budget_slack: int | None  # None without an overall budget
    binding_constraints: list[str]
    status: str
    optimal: bool
    seconds: float
    periods: list[PeriodOutcome] = field(default_factory=list)
    cost_by_month: dict[str, int] = field(default_factory=dict)  # the counted cost, month by month
    # No selection is worth more: total_value when optimal, else HiGHS' bound at the time limit (None
    # when it had none); the difference is how far from proven the selection may be.
    value_bound: float | None = None


@dataclass(frozen=True)
class FrontierPoint:
    budget: int
    value: float
    project_ids: list[str]
    optimal: bool


def _binding_money(problem: Problem, load: Load) -> list[str]:
    """The budget binds when its slack is less than any open project costs; a period budget when an
    open project needs more of it than is left (a project's small share in a period would otherwise
    hide a period that keeps large projects out)."""
    open_ = [i for i in range(len(problem.candidates)) if i not in load.selected and i not in problem.blocked]
    binding: list[str] = []
    costs = [problem.costs[i] for i in open_]
    if problem.budget is not None and load.slack is not None and costs and load.slack < min(costs):
        binding.append("budget")
    for p, period in enumerate(problem.periods):
        if any(problem.period_costs[p][i] > load.period_slack(p) for i in open_):
            binding.append(period.label)
    return binding


def _binding_groups(problem: Problem, load: Load) -> list[str]:
    """at_most_one: one selected while another could be; at_least_one: exactly one selected;
    all_or_none: left out although a member, with its dependencies only, would fit beside the projects
    that must be selected."""
    binding: list[str] = []
    base = Load.of(problem, problem.required)
    for g, group in enumerate(problem.groups):
        ids = problem.members[g]
        chosen = [i for i in ids if i in load.selected]
        if group.rule == "at_most_one":
            tight = bool(chosen) and any(i not in load.selected and i not in problem.blocked for i in ids)
        elif group.rule == "at_least_one":
            tight = len(chosen) == 1
        else:
            tight = not chosen and any(
                i not in problem.blocked
                and not base.misfits(problem.closure(i, groups=False) - base.selected)
                for i in ids
            )
        if tight:
            binding.append(group.label)
    return binding


def _binding(problem: Problem, load: Load) -> list[str]:
    binding = _binding_money(problem, load)
    if problem.capacity is not None:
        for key in sorted(load.used):
            cap = problem.capacity.get(key, 0.0)
            if cap - load.used[key] < 1e-6 * max(1.0, abs(cap)):
                binding.append(f"capacity {key[0]} {key[1]}")
    return binding + _binding_groups(problem, load)


def _result(
    problem: Problem,
    chosen: Collection[int],
    status: str,
    optimal: bool,
    started: float,
    bound: float | None = None,
) -> SelectionResult:
    cands = problem.candidates
    load = Load.of(problem, chosen)
    by_month: dict[str, int] = {}
    for i in sorted(load.selected):
        for month, cents in problem.monthly[i].items():
            by_month[month] = by_month.get(month, 0) + cents
    excluded = explain_exclusions(problem, load.selected, solved_optimally=optimal)
    total_value = math.fsum(cands[i].value for i in load.selected)
    return SelectionResult(
        selected=sorted(cands[i].id for i in load.selected),
        excluded=[Exclusion(pid, reasons) for pid, reasons in sorted(excluded.items())],
        total_value=total_value,
        total_cost=load.spent,
        budget_slack=load.slack,
        binding_constraints=_binding(problem, load),
        status=status,
        optimal=optimal,
        seconds=time.perf_counter() - started,
        periods=[
            PeriodOutcome(period, load.period_spent[p], load.period_slack(p))
            for p, period in enumerate(problem.periods)
        ],
        cost_by_month=dict(sorted(by_month.items())),
        value_bound=total_value if optimal else bound,
    )


def select_projects(
    candidates: Sequence[Candidate],
    budget: int | None,
    capacity: Capacity | None = None,
    force_in: Collection[str] = (),
    force_out: Collection[str] = (),
    time_limit: float = 30.0,
    *,
    rules: Rules | None = None,
) -> SelectionResult:
    """The value-maximising selection under budget, period budgets, dependencies, exclusions, groups
    and (optionally) capacity. `rules` (when given) carries the forced projects, replacing
    `force_in`/`force_out`.

    Raises InfeasibleSelection, naming the conflicts, when no selection satisfies the constraints, and
    ValueError for malformed input (duplicate ids, negative costs or budget, invalid demand, overlapping
    period budgets).
    """
    started = time.perf_counter()
    rules = rules or Rules(force_in, force_out)
    problem = rules.problem(candidates, budget, capacity)
    if not problem.candidates:
        return _result(problem, [], "empty", True, started)
    chosen, status, optimal, bound = solve(problem, time_limit)
    return _result(problem, chosen, status, optimal, started, bound)


def efficient_frontier(
    candidates: Sequence[Candidate],
    budgets: Sequence[int],
    capacity: Capacity | None = None,
    rules: Rules | None = None,
) -> list[FrontierPoint]:
    """The best attainable value at each overall budget (each solved exactly), with the period budgets,
    groups and forced projects of `rules` held fixed. Budgets too small for the mandatory and committed
    projects (and what they bring along) are skipped, and so are budgets at which the at_least_one
    groups cannot all be met; when no budget leaves anything feasible, that is the InfeasibleSelection."""
    rules = rules or Rules()
    points: list[FrontierPoint] = []
    if not budgets:
        return points
    # Validates everything except the budget once, so that only budget shortfalls are skipped.
    required_cost = rules.problem(candidates, None, capacity).required_cost
    last_error: InfeasibleSelection | None = None
    for b in sorted(set(budgets)):
        if b < required_cost:
            continue
        try:
            result = select_projects(candidates, b, capacity, rules=rules)
        except InfeasibleSelection as exc:
            last_error = exc
            continue
        points.append(FrontierPoint(b, result.total_value, result.selected, result.optimal))
    if not points and last_error is not None:
        raise last_error
    return points


def greedy_select(
    candidates: Sequence[Candidate],
    budget: int | None,
    capacity: Capacity | None = None,
    rules: Rules | None = None,
) -> SelectionResult:
    """Benchmark baseline only: the required projects, one project for each at_least_one group, then
    projects by value/cost (best first), each with what it brings along, whenever they still fit.
    Not optimal in general; InfeasibleSelection when it meets no project for an at_least_one group."""
    started = time.perf_counter()
    problem = (rules or Rules()).problem(candidates, budget, capacity)
    chosen = greedy_fill(problem)
    if chosen is None:
        raise InfeasibleSelection(["the greedy heuristic found no project for an at_least_one group"])
    return _result(problem, chosen, "heuristic", False, started)

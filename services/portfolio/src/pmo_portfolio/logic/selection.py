"""Exact project selection: a 0/1 MILP solved by HiGHS, with reasons for every excluded project.

    maximise   Σ value_i x_i
    subject to Σ cost_i x_i <= budget
               x_i = 1                 mandatory, committed (in progress), forced in
               x_i = 0                 forced out, depends on a project that is not a candidate
               x_i - x_j <= 0          i depends on j
               x_i + x_j <= 1          i and j exclude each other
               Σ demand_ir,m x_i <= capacity_r,m   for every (role, month) in any demand
               x_i ∈ {0, 1}

Before solving, the projects that must be selected (and, transitively, their dependencies) and those that
cannot be are worked out (`problem`); the MILP is built and solved by HiGHS (`milp`); every excluded
project gets its reasons (`explain`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pmo_portfolio.logic.explain import explain_exclusions
from pmo_portfolio.logic.milp import solve
from pmo_portfolio.logic.problem import (
    Candidate,
    Capacity,
    InfeasibleSelection,
    Problem,
    build_problem,
    over_capacity,
    used_capacity,
)

__all__ = [
    "Candidate",
    "Capacity",
    "Exclusion",
    "FrontierPoint",
    "InfeasibleSelection",
    "SelectionResult",
    "build_problem",
    "efficient_frontier",
    "greedy_select",
    "select_projects",
]


@dataclass(frozen=True)
class Exclusion:
    project_id: str
    reasons: list[str]


@dataclass(frozen=True)
class SelectionResult:
    selected: list[str]
    excluded: list[Exclusion]
    total_value: float
    total_cost: int
    budget_slack: int
    binding_constraints: list[str]
    status: str
    optimal: bool
    seconds: float


@dataclass(frozen=True)
class FrontierPoint:
    budget: int
    value: float
    project_ids: list[str]
    optimal: bool


def _result(
    problem: Problem, chosen: Collection[int], status: str, optimal: bool, started: float
) -> SelectionResult:
    cands = problem.candidates
    sel = set(chosen)
    total_cost = sum(cands[i].cost for i in sel)
    slack = problem.budget - total_cost
    excluded = explain_exclusions(problem, sel, solved_optimally=optimal)
    binding: list[str] = []
    open_costs = [cands[i].cost for i in range(len(cands)) if i not in sel and i not in problem.blocked]
    if open_costs and slack < min(open_costs):
        binding.append("budget")
    if problem.capacity is not None:
        used = used_capacity(cands, sel)
        for key in sorted(used):
            cap = problem.capacity.get(key, 0.0)
            if cap - used[key] < 1e-6 * max(1.0, abs(cap)):
                binding.append(f"capacity {key[0]} {key[1]}")
    return SelectionResult(
        selected=sorted(cands[i].id for i in sel),
        excluded=[Exclusion(pid, reasons) for pid, reasons in sorted(excluded.items())],
        total_value=math.fsum(cands[i].value for i in sel),
        total_cost=total_cost,
        budget_slack=slack,
        binding_constraints=binding,
        status=status,
        optimal=optimal,
        seconds=time.perf_counter() - started,
    )


def select_projects(
    candidates: Sequence[Candidate],
    budget: int,
    capacity: Capacity | None = None,
    force_in: Collection[str] = (),
    force_out: Collection[str] = (),
    time_limit: float = 30.0,
) -> SelectionResult:
    """The value-maximising selection under budget, dependencies, exclusions and (optionally) capacity.

    Raises InfeasibleSelection, naming the conflicts, when no selection satisfies the constraints, and
    ValueError for malformed input (duplicate ids, negative costs or budget, invalid demand).
    """
    started = time.perf_counter()
    problem = build_problem(candidates, budget, capacity, force_in, force_out)
    if not problem.candidates:
        return _result(problem, [], "empty", True, started)
    chosen, status, optimal = solve(problem, time_limit)
    return _result(problem, chosen, status, optimal, started)


def efficient_frontier(
    candidates: Sequence[Candidate], budgets: Sequence[int], capacity: Capacity | None = None
) -> list[FrontierPoint]:
    """The best attainable value at each budget (each solved exactly); budgets too small for the
    mandatory and committed projects (and their dependencies) are skipped."""
    points: list[FrontierPoint] = []
    if not budgets:
        return points
    # Validates everything except the budget once, so that only budget shortfalls are skipped.
    unlimited = sum(max(c.cost, 0) for c in candidates)
    required_cost = build_problem(candidates, unlimited, capacity).required_cost
    for b in sorted(set(budgets)):
        if b < required_cost:
            continue
        result = select_projects(candidates, b, capacity)
        points.append(FrontierPoint(b, result.total_value, result.selected, result.optimal))
    return points


def greedy_select(
    candidates: Sequence[Candidate], budget: int, capacity: Capacity | None = None
) -> SelectionResult:
    """Benchmark baseline only: take projects by value/cost (best first), each with its missing
    dependencies, whenever the whole group still fits. Not optimal in general."""
    started = time.perf_counter()
    problem = build_problem(candidates, budget, capacity)
    cands = problem.candidates
    sel = set(problem.required)
    spent = problem.required_cost
    used = used_capacity(cands, sel)
    deps = [[problem.index[d] for d in c.depends_on if d in problem.index] for c in cands]
    partners: dict[int, set[int]] = {}
    for i, j in problem.pairs:
        partners.setdefault(i, set()).add(j)
        partners.setdefault(j, set()).add(i)

    def ratio(i: int) -> float:
        c = cands[i]
        return math.inf if c.cost == 0 else c.value / c.cost

    order = sorted(
        (i for i in range(len(cands)) if i not in sel and i not in problem.blocked and cands[i].value > 0),
        key=lambda i: (-ratio(i), cands[i].id),
    )
    for i in order:
        if i in sel:
            continue
        group: set[int] = set()
        stack = [i]
        while stack:
            k = stack.pop()
            if k not in sel and k not in group:
                group.add(k)
                stack.extend(deps[k])
        if group & problem.blocked.keys():
            continue
        if any(partners.get(k, set()) & (sel | group) for k in group):
            continue
        cost = sum(cands[k].cost for k in group)
        if spent + cost > budget:
            continue
        extra = used_capacity(cands, group)
        if capacity is not None and any(
            over_capacity(used.get(key, 0.0) + h, capacity.get(key, 0.0)) for key, h in extra.items()
        ):
            continue
        sel |= group
        spent += cost
        for key, h in extra.items():
            used[key] = used.get(key, 0.0) + h
    return _result(problem, sel, "heuristic", False, started)

"""Reasons, for people, why a project is not in a selection."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pmo_portfolio.logic.formatting import format_hours, format_money
from pmo_portfolio.logic.problem import CAPACITY_TOLERANCE, Problem


def _dependencies(problem: Problem, i: int) -> set[int]:
    cands = problem.candidates
    seen: set[int] = set()
    stack = [i]
    while stack:
        for d in cands[stack.pop()].depends_on:
            j = problem.index.get(d)
            if j is not None and j not in seen:
                seen.add(j)
                stack.append(j)
    return seen


def _displacement_order(problem: Problem, selected: Collection[int]) -> list[int]:
    """Optional selected projects, the least value per cost first (the order they would be dropped in)."""
    cands = problem.candidates
    optional = [i for i in selected if i not in problem.required and cands[i].cost > 0]
    optional.sort(key=lambda i: (cands[i].value / cands[i].cost, cands[i].id))
    return optional


def _displaced(problem: Problem, order: list[int], project: int, shortfall: int) -> list[str]:
    """Which selected projects would have to go to free `shortfall` cents for `project`.

    A cheap heuristic, not a second optimisation: drop the optional selected projects (never the
    project's own dependencies) with the lowest value per cost first until enough budget is freed.
    It ignores the dropped projects' dependents and capacity, so it says what would have to make room,
    not what the best alternative portfolio would be.
    """
    cands = problem.candidates
    keep = _dependencies(problem, project)
    freed = 0
    out: list[str] = []
    for i in order:
        if freed >= shortfall:
            break
        if i not in keep:
            freed += cands[i].cost
            out.append(cands[i].id)
    return sorted(out) if freed >= shortfall else []


@dataclass
class _Selection:
    """A solved selection and what explaining its exclusions needs to know about it."""

    problem: Problem
    selected: set[int]
    slack: int  # budget left after the selection
    left_after_required: int  # budget left after the projects that must be selected
    used: dict[tuple[str, str], float]  # capacity the selection uses
    order: list[int]  # the order selected projects would be dropped in
    partners: dict[int, list[int]]  # exclusion partners


def _selection(problem: Problem, selected: Collection[int]) -> _Selection:
    cands = problem.candidates
    sel = set(selected)
    used: dict[tuple[str, str], float] = {}
    if problem.capacity is not None:
        for i in sel:
            for key, hours in cands[i].demand.items():
                used[key] = used.get(key, 0.0) + hours
    partners: dict[int, list[int]] = {}
    for i, j in problem.pairs:
        partners.setdefault(i, []).append(j)
        partners.setdefault(j, []).append(i)
    return _Selection(
        problem,
        sel,
        slack=problem.budget - sum(cands[i].cost for i in sel),
        left_after_required=problem.budget - problem.required_cost,
        used=used,
        order=_displacement_order(problem, sel),
        partners=partners,
    )


def _link_reasons(s: _Selection, i: int) -> list[str]:
    cands = s.problem.candidates
    reasons: list[str] = []
    for d in dict.fromkeys(cands[i].depends_on):
        j = s.problem.index.get(d)
        if j is not None and j != i and j not in s.selected:
            reasons.append(f"it depends on {d}, which is not selected")
    for j in sorted(s.partners.get(i, []), key=lambda k: cands[k].id):
        if j in s.selected:
            reasons.append(f"it excludes {cands[j].id}, which is selected")
    return reasons


def _budget_reasons(s: _Selection, i: int) -> list[str]:
    cost = s.problem.candidates[i].cost
    if cost <= s.slack:
        return []
    if cost > s.left_after_required:
        return [
            f"over the budget: it costs {format_money(cost)} and only "
            f"{format_money(max(s.left_after_required, 0))} is left after the projects that must be selected"
        ]
    text = f"below the budget line: it costs {format_money(cost)} and only {format_money(max(s.slack, 0))} is left"
    displaced = _displaced(s.problem, s.order, i, cost - s.slack)
    if displaced:
        text += f"; it would displace {', '.join(displaced)}"
    return [text]


def _capacity_reasons(
    capacity: Mapping[tuple[str, str], float],
    used: Mapping[tuple[str, str], float],
    demand: Mapping[tuple[str, str], float],
) -> list[str]:
    reasons: list[str] = []
    for key in sorted(demand):
        hours = demand[key]
        if hours <= 0:
            continue
        cap = capacity.get(key, 0.0)
        left = cap - used.get(key, 0.0)
        if hours > left + CAPACITY_TOLERANCE * (1 + abs(cap)):
            reasons.append(
                f"not enough {key[0]} capacity in {key[1]}: it needs {format_hours(hours)} "
                f"and only {format_hours(max(left, 0.0))} is left"
            )
    return reasons


def _no_constraint_reason(value: float, solved_optimally: bool) -> str:
    """Why a project no constraint keeps out is not selected."""
    if value <= 0:
        return f"its score ({value:g}) adds no value"
    if not solved_optimally:
        return "not chosen: the selection is not proven optimal (heuristic or solver time limit)"
    return "not part of the best selection (other projects give more value together)"


def explain_exclusions(
    problem: Problem, selected: Collection[int], solved_optimally: bool
) -> dict[str, list[str]]:
    """{project_id: reasons} for every candidate that is not selected; each has at least one reason."""
    s = _selection(problem, selected)
    out: dict[str, list[str]] = {}
    for i, c in enumerate(problem.candidates):
        if i in s.selected:
            continue
        if i in problem.blocked:
            out[c.id] = [problem.blocked[i]]
            continue
        reasons = _link_reasons(s, i) + _budget_reasons(s, i)
        if problem.capacity is not None:
            reasons += _capacity_reasons(problem.capacity, s.used, c.demand)
        out[c.id] = reasons or [_no_constraint_reason(c.value, solved_optimally)]
    return out

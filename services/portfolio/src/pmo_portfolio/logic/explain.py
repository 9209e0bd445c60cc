"""Reasons, for people, why a project is not in a selection."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmo_portfolio.logic.selection import Problem

# Same tolerance as the model's capacity rows (kept here to avoid an import cycle).
_TOLERANCE = 1e-9


def format_money(cents: int) -> str:
    """1_200_000_00 -> "1,200,000.00" (exact: integer cents, no float rounding)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{rest:02d}"


def format_hours(hours: float) -> str:
    return f"{hours:,.1f} h"


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


def explain_exclusions(
    problem: Problem, selected: Collection[int], solved_optimally: bool
) -> dict[str, list[str]]:
    """{project_id: reasons} for every candidate that is not selected; each has at least one reason."""
    cands = problem.candidates
    sel = set(selected)
    slack = problem.budget - sum(cands[i].cost for i in sel)
    left_after_required = problem.budget - problem.required_cost
    used: dict[tuple[str, str], float] = {}
    if problem.capacity is not None:
        for i in sel:
            for key, hours in cands[i].demand.items():
                used[key] = used.get(key, 0.0) + hours
    order = _displacement_order(problem, sel)
    partners: dict[int, list[int]] = {}
    for i, j in problem.pairs:
        partners.setdefault(i, []).append(j)
        partners.setdefault(j, []).append(i)

    out: dict[str, list[str]] = {}
    for i, c in enumerate(cands):
        if i in sel:
            continue
        if i in problem.blocked:
            out[c.id] = [problem.blocked[i]]
            continue
        reasons: list[str] = []
        for d in dict.fromkeys(c.depends_on):
            j = problem.index.get(d)
            if j is not None and j != i and j not in sel:
                reasons.append(f"it depends on {d}, which is not selected")
        for j in sorted(partners.get(i, []), key=lambda k: cands[k].id):
            if j in sel:
                reasons.append(f"it excludes {cands[j].id}, which is selected")
        if c.cost > slack:
            if c.cost > left_after_required:
                reasons.append(
                    f"over the budget: it costs {format_money(c.cost)} and only "
                    f"{format_money(max(left_after_required, 0))} is left after the projects that must be selected"
                )
            else:
                text = (
                    f"below the budget line: it costs {format_money(c.cost)} and only "
                    f"{format_money(max(slack, 0))} is left"
                )
                displaced = _displaced(problem, order, i, c.cost - slack)
                if displaced:
                    text += f"; it would displace {', '.join(displaced)}"
                reasons.append(text)
        if problem.capacity is not None:
            for key in sorted(c.demand):
                hours = c.demand[key]
                if hours <= 0:
                    continue
                cap = problem.capacity.get(key, 0.0)
                left = cap - used.get(key, 0.0)
                if hours > left + _TOLERANCE * (1 + abs(cap)):
                    reasons.append(
                        f"not enough {key[0]} capacity in {key[1]}: it needs {format_hours(hours)} "
                        f"and only {format_hours(max(left, 0.0))} is left"
                    )
        if not reasons:
            if c.value <= 0:
                reasons.append(f"its score ({c.value:g}) adds no value")
            elif not solved_optimally:
                reasons.append(
                    "not chosen: the selection is not proven optimal (heuristic or solver time limit)"
                )
            else:
                reasons.append("not part of the best selection (other projects give more value together)")
        out[c.id] = reasons
    return out

"""Reasons, for people, why a project is not in a selection. Each reason is a fact about the solved
selection (what adding the project would break, in exact cents), so it names the constraint that
binds: the budget, a period budget, a group, a link or a role's capacity."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from pmo_portfolio.logic.fit import Load
from pmo_portfolio.logic.formatting import format_hours, format_money
from pmo_portfolio.logic.problem import CAPACITY_TOLERANCE, Problem


def _dependencies(problem: Problem, i: int) -> set[int]:
    seen: set[int] = set()
    stack = [i]
    while stack:
        for j in problem.deps[stack.pop()]:
            if j not in seen:
                seen.add(j)
                stack.append(j)
    return seen


@dataclass
class _Selection:
    """A solved selection and what explaining its exclusions needs to know about it."""

    problem: Problem
    load: Load
    # The order selected projects would be dropped in to free money: per cost row (None: the budget,
    # else a period budget's index), the optional ones with the least value per cost first.
    orders: dict[int | None, list[int]] = field(default_factory=dict)
    chosen: dict[int, list[str]] = field(default_factory=dict)  # group -> its selected projects' ids

    @property
    def selected(self) -> set[int]:
        return self.load.selected

    def chosen_in(self, g: int) -> list[str]:
        if g not in self.chosen:
            cands = self.problem.candidates
            self.chosen[g] = sorted(cands[j].id for j in self.problem.members[g] if j in self.selected)
        return self.chosen[g]

    def order(self, row: int | None) -> list[int]:
        if row not in self.orders:
            problem = self.problem
            costs = problem.costs if row is None else problem.period_costs[row]
            optional = [i for i in self.selected if i not in problem.required and costs[i] > 0]
            optional.sort(key=lambda i: (problem.candidates[i].value / costs[i], problem.candidates[i].id))
            self.orders[row] = optional
        return self.orders[row]


def _selection(problem: Problem, selected: Collection[int]) -> _Selection:
    return _Selection(problem, Load.of(problem, selected))


def _displaced(s: _Selection, row: int | None, project: int, shortfall: int) -> list[str]:
    """Which selected projects would have to go to free `shortfall` cents (of the budget, or of period
    budget `row`) for `project`.

    A cheap heuristic, not a second optimisation: drop the optional selected projects (never the
    project's own dependencies) with the lowest value per cost first until enough is freed. It ignores
    the dropped projects' dependents, groups and capacity, so it says what would have to make room,
    not what the best alternative portfolio would be.
    """
    problem = s.problem
    costs = problem.costs if row is None else problem.period_costs[row]
    keep = _dependencies(problem, project)
    freed = 0
    out: list[str] = []
    for i in s.order(row):
        if freed >= shortfall:
            break
        if i not in keep:
            freed += costs[i]
            out.append(problem.candidates[i].id)
    return sorted(out) if freed >= shortfall else []


def _link_reasons(s: _Selection, i: int) -> list[str]:
    problem = s.problem
    cands = problem.candidates
    reasons: list[str] = []
    for d in dict.fromkeys(cands[i].depends_on):
        j = problem.index.get(d)
        if j is not None and j != i and j not in s.selected:
            reasons.append(f"it depends on {d}, which is not selected")
    for j in sorted(problem.partners[i], key=lambda k: cands[k].id):
        if j in s.selected:
            reasons.append(f"it excludes {cands[j].id}, which is selected")
    for g in problem.groups_of[i]:
        if problem.groups[g].rule == "at_most_one" and s.chosen_in(g):
            reasons.append(f"{problem.groups[g].label} already has {', '.join(s.chosen_in(g))} selected")
    return reasons


def _names(ids: Iterable[str], shown: int = 10) -> str:
    """Project ids for a sentence; a long list is cut after `shown` of them."""
    ordered = sorted(ids)
    more = f" and {len(ordered) - shown} more" if len(ordered) > shown else ""
    return ", ".join(ordered[:shown]) + more


def _group_reasons(s: _Selection, i: int) -> list[str]:
    """An all_or_none project goes only with its partners: name them, and what the package breaks."""
    problem = s.problem
    cands = problem.candidates
    reasons: list[str] = []
    for g in problem.groups_of[i]:
        if problem.groups[g].rule == "all_or_none":
            others = _names(cands[j].id for j in problem.members[g] if j != i)
            reasons.append(f"{problem.groups[g].label} takes it only together with {others}")
    if reasons:
        package = problem.closure(i) - s.selected
        names = _names(cands[j].id for j in package - {i})
        reasons += [f"together with {names}: {m}" for m in s.load.link_misfits(package)]
        misfits = s.load.money_misfits(package) + s.load.capacity_misfits(package)
        reasons += [f"together with {names} it {m}" for m in misfits]
    return reasons


def _budget_reasons(s: _Selection, i: int) -> list[str]:
    problem = s.problem
    slack = s.load.slack
    cost = problem.costs[i]
    if problem.budget is None or slack is None or cost <= slack:
        return []
    left_after_required = problem.budget - problem.required_cost
    if cost > left_after_required:
        return [
            f"over the budget: it costs {format_money(cost)} and only "
            f"{format_money(max(left_after_required, 0))} is left after the projects that must be selected"
        ]
    text = (
        f"below the budget line: it costs {format_money(cost)} and only {format_money(max(slack, 0))} is left"
    )
    displaced = _displaced(s, None, i, cost - slack)
    if displaced:
        text += f"; it would displace {', '.join(displaced)}"
    return [text]


def _period_reasons(s: _Selection, i: int) -> list[str]:
    problem = s.problem
    reasons: list[str] = []
    for p, period in enumerate(problem.periods):
        cost, slack = problem.period_costs[p][i], s.load.period_slack(p)
        if cost <= slack:
            continue
        left_after_required = period.amount - problem.required_period_cost(p)
        if cost > left_after_required:
            reasons.append(
                f"over {period.label}: it costs {format_money(cost)} in that period and only "
                f"{format_money(max(left_after_required, 0))} is left after the projects that must be selected"
            )
            continue
        text = (
            f"below the line of {period.label}: it costs {format_money(cost)} in that period and only "
            f"{format_money(max(slack, 0))} is left"
        )
        displaced = _displaced(s, p, i, cost - slack)
        reasons.append(text + (f"; it would displace {', '.join(displaced)}" if displaced else ""))
    return reasons


def _capacity_reasons(s: _Selection, i: int) -> list[str]:
    capacity = s.problem.capacity
    if capacity is None:
        return []
    reasons: list[str] = []
    demand = s.problem.candidates[i].demand
    for key in sorted(demand):
        hours = demand[key]
        if hours <= 0:
            continue
        cap = capacity.get(key, 0.0)
        left = cap - s.load.used.get(key, 0.0)
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
        # An all_or_none member goes with its partners: what binds is the package's money and hours.
        grouped = _group_reasons(s, i)
        reasons = _link_reasons(s, i) + grouped
        if not grouped:
            reasons += _budget_reasons(s, i) + _period_reasons(s, i) + _capacity_reasons(s, i)
        out[c.id] = reasons or [_no_constraint_reason(c.value, solved_optimally)]
    return out

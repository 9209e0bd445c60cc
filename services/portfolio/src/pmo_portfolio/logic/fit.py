"""What a set of selected projects uses of every limit (the budget, each period budget, each role's
monthly capacity), and whether more projects still fit beside them: the one place that checks a
selection in exact integer cents, shared by the solver's check, the greedy heuristic and the
explanations."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from pmo_portfolio.logic.formatting import format_hours, format_money
from pmo_portfolio.logic.problem import Problem, over_capacity, used_capacity


@dataclass
class Load:
    problem: Problem
    selected: set[int]
    spent: int
    period_spent: list[int]
    used: dict[tuple[str, str], float]

    @classmethod
    def of(cls, problem: Problem, selected: Collection[int]) -> Load:
        sel = set(selected)
        return cls(
            problem,
            sel,
            spent=sum(problem.costs[i] for i in sel),
            period_spent=[sum(row[i] for i in sel) for row in problem.period_costs],
            used=used_capacity(problem.candidates, sel) if problem.capacity is not None else {},
        )

    @property
    def slack(self) -> int | None:
        return None if self.problem.budget is None else self.problem.budget - self.spent

    def period_slack(self, p: int) -> int:
        return self.problem.periods[p].amount - self.period_spent[p]

    def add(self, extra: Collection[int]) -> None:
        new = set(extra) - self.selected
        self.selected |= new
        self.spent += sum(self.problem.costs[i] for i in new)
        for p, row in enumerate(self.problem.period_costs):
            self.period_spent[p] += sum(row[i] for i in new)
        if self.problem.capacity is not None:
            for key, hours in used_capacity(self.problem.candidates, new).items():
                self.used[key] = self.used.get(key, 0.0) + hours

    def money_misfits(self, extra: Collection[int]) -> list[str]:
        """Why `extra` (not yet selected) does not fit the budget and period budgets that are left."""
        problem = self.problem
        new = set(extra) - self.selected
        out: list[str] = []
        cost = sum(problem.costs[i] for i in new)
        if self.slack is not None and cost > self.slack:
            out.append(
                f"needs {format_money(cost)} of the budget and only {format_money(max(self.slack, 0))} is left"
            )
        for p, row in enumerate(problem.period_costs):
            need, left = sum(row[i] for i in new), self.period_slack(p)
            if need > left:
                out.append(
                    f"needs {format_money(need)} of {problem.periods[p].label} "
                    f"and only {format_money(max(left, 0))} is left"
                )
        return out

    def capacity_misfits(self, extra: Collection[int]) -> list[str]:
        problem = self.problem
        if problem.capacity is None:
            return []
        need = used_capacity(problem.candidates, set(extra) - self.selected)
        out: list[str] = []
        for key in sorted(need):
            cap = problem.capacity.get(key, 0.0)
            if over_capacity(self.used.get(key, 0.0) + need[key], cap):
                left = max(cap - self.used.get(key, 0.0), 0.0)
                out.append(
                    f"needs {format_hours(need[key])} of {key[0]} capacity in {key[1]} "
                    f"and only {format_hours(left)} is left"
                )
        return out

    def link_misfits(self, extra: Collection[int]) -> list[str]:
        """Why selecting `extra` as well breaks a link: a blocked project, an exclusion, an
        at_most_one group with two selected. (Dependencies and all_or_none groups are the caller's:
        pass a closure.)"""
        problem = self.problem
        cands = problem.candidates
        new = set(extra) - self.selected
        together = self.selected | new
        out = [
            f"{cands[i].id} cannot be selected ({problem.blocked[i]})"
            for i in sorted(new & problem.blocked.keys())
        ]
        pairs = {(min(i, j), max(i, j)) for i in new for j in problem.partners[i] if j in together}
        out += [f"{cands[i].id} and {cands[j].id} exclude each other" for i, j in sorted(pairs)]
        for g in sorted({g for i in new for g in problem.groups_of[i]}):
            inside = [i for i in problem.members[g] if i in together]
            if problem.groups[g].rule == "at_most_one" and len(inside) > 1:
                ids = ", ".join(sorted(cands[i].id for i in inside))
                out.append(f"{problem.groups[g].label} would have {ids}")
        return out

    def misfits(self, extra: Collection[int]) -> list[str]:
        """Every reason why the selection with `extra` added breaks a constraint other than the
        at_least_one groups; empty when it fits."""
        return self.link_misfits(extra) + self.money_misfits(extra) + self.capacity_misfits(extra)


def unmet_groups(problem: Problem, selected: Collection[int]) -> list[int]:
    """The at_least_one groups that `selected` leaves without a project."""
    sel = set(selected)
    return [g for g in problem.rule_groups("at_least_one") if not sel & set(problem.members[g])]


def satisfies(problem: Problem, selected: Collection[int]) -> bool:
    """Whether `selected` satisfies every constraint (money in exact cents)."""
    sel = set(selected)
    if not problem.required.keys() <= sel or sel & problem.blocked.keys():
        return False
    if any(j not in sel for i in sel for j in problem.deps[i]):
        return False
    for g in problem.rule_groups("all_or_none"):
        inside = [i in sel for i in problem.members[g]]
        if any(inside) and not all(inside):
            return False
    if unmet_groups(problem, sel):
        return False
    return not Load.of(problem, ()).misfits(sel)


def greedy_fill(problem: Problem, fill: bool = True) -> set[int] | None:
    """A selection built greedily that satisfies every constraint: the required projects; then, for
    each at_least_one group still without a project, its member of best value per cost that fits
    (with what it brings along); then, with `fill`, every other project by value per cost whenever it
    fits. None when a group gets no project (a heuristic: a selection may exist all the same)."""
    cands = problem.candidates

    def best_first(i: int) -> tuple[float, str]:
        cost = problem.costs[i]
        return (-(math.inf if cost == 0 else cands[i].value / cost), cands[i].id)

    load = Load.of(problem, problem.required)
    for g in problem.rule_groups("at_least_one"):
        if load.selected & set(problem.members[g]):
            continue
        for i in sorted((i for i in problem.members[g] if i not in problem.blocked), key=best_first):
            extra = problem.closure(i) - load.selected
            if not load.misfits(extra):
                load.add(extra)
                break
        else:
            return None
    if fill:
        order = [i for i in range(len(cands)) if i not in problem.blocked and cands[i].value > 0]
        for i in sorted(order, key=best_first):
            if i not in load.selected:
                extra = problem.closure(i) - load.selected
                if not load.misfits(extra):
                    load.add(extra)
    return load.selected

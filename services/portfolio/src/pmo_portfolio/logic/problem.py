"""A selection problem worked out before it is solved: the candidates indexed, their dependency,
exclusion and group links, their costs as counted (by month, against the budget and each period
budget), what must be selected and what cannot be, each with why. Every contradiction between them is
an InfeasibleSelection that names it; once none is found, "select exactly the required projects"
satisfies every constraint except the `at_least_one` groups, so only those can make the solver report
infeasibility afterwards (see `milp.diagnose`)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from pmo_portfolio.logic.candidates import (
    CAPACITY_TOLERANCE,
    Candidate,
    Capacity,
    InfeasibleSelection,
    over_capacity,
    used_capacity,
)
from pmo_portfolio.logic.formatting import format_money
from pmo_portfolio.logic.periods import Group, PeriodBudget, counted

__all__ = [
    "CAPACITY_TOLERANCE",
    "Candidate",
    "Capacity",
    "InfeasibleSelection",
    "Problem",
    "build_problem",
    "over_capacity",
    "used_capacity",
]


@dataclass
class Problem:
    """Candidates indexed 0..n-1, their links, their costs as counted, and what must / cannot be
    selected, with why."""

    candidates: list[Candidate]
    index: dict[str, int]
    budget: int | None  # None: no overall budget (period budgets only, or none at all)
    capacity: Capacity | None
    pairs: list[tuple[int, int]]  # exclusion pairs i < j, deduplicated
    required: dict[int, str]  # must be selected -> why ("mandatory", "P-3 depends on it; ...")
    blocked: dict[int, str]  # cannot be selected -> why
    missing: dict[int, list[str]]  # depends on ids that are not candidates
    forced_out: set[int]
    deps: list[list[int]]  # the candidates each one depends on
    costs: list[int]  # each candidate's counted cost (cents), against the budget
    monthly: list[dict[str, int]]  # the counted cost by month
    periods: list[PeriodBudget]
    period_costs: list[list[int]]  # [period][candidate]: the counted cost within that period
    groups: list[Group]
    members: list[list[int]]  # [group]: the candidates in it (members that are not candidates drop out)
    groups_of: list[list[int]]  # [candidate]: the groups it is in
    partners: list[list[int]]  # [candidate]: the candidates it excludes or is excluded by

    @property
    def required_cost(self) -> int:
        return sum(self.costs[i] for i in self.required)

    def required_period_cost(self, p: int) -> int:
        return sum(self.period_costs[p][i] for i in self.required)

    def rule_groups(self, rule: str) -> list[int]:
        return [g for g, group in enumerate(self.groups) if group.rule == rule]

    def closure(self, i: int, groups: bool = True) -> set[int]:
        """`i` with everything selecting it brings along: its dependencies and (with `groups`) its
        all_or_none partners, transitively."""
        seen = {i}
        stack = [i]
        while stack:
            k = stack.pop()
            brought = list(self.deps[k])
            for g in self.groups_of[k] if groups else ():
                if self.groups[g].rule == "all_or_none":
                    brought += self.members[g]
            for j in brought:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        return seen


@dataclass
class _Links:
    """The candidates' dependency, exclusion and group links, by index."""

    deps: list[list[int]]
    dependents: list[list[int]]
    missing: dict[int, list[str]]
    pairs: list[tuple[int, int]]
    partners: list[list[int]]
    groups: list[Group]
    members: list[list[int]]
    groups_of: list[list[int]]  # the groups each candidate is in

    def in_groups(self, i: int, rule: str) -> list[tuple[Group, list[int]]]:
        """The groups with this rule that candidate `i` is in, with their members."""
        return [(self.groups[g], self.members[g]) for g in self.groups_of[i] if self.groups[g].rule == rule]


def _validate_candidate(c: Candidate) -> None:
    if c.cost < 0:
        raise ValueError(f"candidate {c.id} has a negative cost")
    if not math.isfinite(c.value):
        raise ValueError(f"candidate {c.id} has a value that is not finite")
    for key, hours in c.demand.items():
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"candidate {c.id} has an invalid demand {hours} for {key}")
    if c.period_costs and (
        any(v < 0 for v in c.period_costs.values()) or sum(c.period_costs.values()) != c.cost
    ):
        raise ValueError(f"candidate {c.id} has a cost by month that is negative or does not sum to its cost")


def _validate(
    candidates: Sequence[Candidate], budget: int | None, periods: Sequence[PeriodBudget]
) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, c in enumerate(candidates):
        if c.id in index:
            raise ValueError(f"candidate {c.id} appears twice")
        _validate_candidate(c)
        index[c.id] = i
    if budget is not None and budget < 0:
        raise ValueError("the budget must not be negative")
    for p in periods:
        if p.amount < 0 or p.last < p.first:
            raise ValueError(f"{p.label} is empty or has a negative amount")
    ordered = sorted(periods, key=lambda p: p.first)
    for a, b in itertools.pairwise(ordered):
        if b.first <= a.last:
            raise ValueError(f"{a.label} and {b.label} overlap")
    return index


def _links(cands: Sequence[Candidate], index: Mapping[str, int], groups: Sequence[Group]) -> _Links:
    deps: list[list[int]] = [[] for _ in cands]
    dependents: list[list[int]] = [[] for _ in cands]
    missing: dict[int, list[str]] = {}
    for i, c in enumerate(cands):
        for d in dict.fromkeys(c.depends_on):
            j = index.get(d)
            if j is None:
                missing.setdefault(i, []).append(d)
            elif j != i:
                deps[i].append(j)
                dependents[j].append(i)
    pair_set: set[tuple[int, int]] = set()
    for i, c in enumerate(cands):
        for e in c.excludes:
            j = index.get(e)
            if j is not None and j != i:
                pair_set.add((min(i, j), max(i, j)))
    pairs = sorted(pair_set)
    partners: list[list[int]] = [[] for _ in cands]
    for i, j in pairs:
        partners[i].append(j)
        partners[j].append(i)
    members = [list(dict.fromkeys(index[p] for p in g.project_ids if p in index)) for g in groups]
    groups_of: list[list[int]] = [[] for _ in cands]
    for g, ids in enumerate(members):
        for i in ids:
            groups_of[i].append(g)
    return _Links(deps, dependents, missing, pairs, partners, list(groups), members, groups_of)


def _required_reason(c: Candidate, forced_in: bool) -> str:
    if c.committed:
        return "it is committed (in progress)"
    if c.mandatory:
        return "it is mandatory"
    return "it is forced in" if forced_in else "it is required"


def _required(cands: Sequence[Candidate], links: _Links, forced_in: Collection[int]) -> dict[int, str]:
    """Must be selected: mandatory, committed, forced in, and (transitively) their dependencies and
    all_or_none partners."""
    required: dict[int, str] = {}
    root: dict[int, str] = {}  # the mandatory/committed/forced project a requirement comes from
    stack = [i for i, c in enumerate(cands) if c.mandatory or c.committed or i in forced_in]
    for i in stack:
        required[i] = _required_reason(cands[i], i in forced_in)
        root[i] = cands[i].id + required[i][2:]  # "it is mandatory" -> "P-3 is mandatory"
    while stack:
        i = stack.pop()
        brought = [(j, f"{cands[i].id} depends on it") for j in links.deps[i]]
        for group, ids in links.in_groups(i, "all_or_none"):
            brought += [(j, f"it is in {group.label} with {cands[i].id}") for j in ids]
        for j, why in brought:
            if j not in required:
                required[j] = f"{why}; {root[i]}"
                root[j] = root[i]
                stack.append(j)
    return required


def _blocked_by_required(
    cands: Sequence[Candidate], links: _Links, required: Mapping[int, str], blocked: dict[int, str]
) -> list[str]:
    """Block the exclusion partners and at_most_one partners of required projects; return the
    contradictions (two required projects that cannot go together)."""
    conflicts: list[str] = []
    for i in sorted(required):
        ci = cands[i].id
        for j in links.partners[i]:
            if j not in blocked and j not in required:
                blocked[j] = f"it excludes {ci}, which must be selected"
            elif j in required and i < j:
                conflicts.append(
                    f"{ci} and {cands[j].id} exclude each other but both must be selected "
                    f"({ci}: {required[i]}; {cands[j].id}: {required[j]})"
                )
        for group, ids in links.in_groups(i, "at_most_one"):
            for j in ids:
                if j != i and j not in blocked and j not in required:
                    blocked[j] = f"{group.label} already has {ci}, which must be selected"
                elif j in required and i < j:
                    conflicts.append(
                        f"{ci} and {cands[j].id} are both in {group.label} but both must be selected "
                        f"({ci}: {required[i]}; {cands[j].id}: {required[j]})"
                    )
    return conflicts


def _blocked(
    cands: Sequence[Candidate],
    links: _Links,
    required: Mapping[int, str],
    forced_out: Collection[int],
    conflicts: list[str],
) -> dict[int, str]:
    """Cannot be selected: forced out, missing dependency, exclusive with a required project, and
    (transitively) everything that depends on one of those or is in an all_or_none group with one.
    Appends the contradictions it meets."""
    blocked: dict[int, str] = {}
    for i in sorted(forced_out):
        blocked[i] = "it is forced out"
    for i, ids in links.missing.items():
        blocked.setdefault(i, f"it depends on {', '.join(ids)}, which is not a candidate")
    conflicts += _blocked_by_required(cands, links, required, blocked)
    blocked_via: set[int] = set()  # blocked only because a dependency or a group partner is
    stack = list(blocked)
    while stack:
        j = stack.pop()
        taken = [(i, f"it depends on {cands[j].id}") for i in links.dependents[j]]
        for group, members in links.in_groups(j, "all_or_none"):
            taken += [(k, f"it is in {group.label} with {cands[j].id}") for k in members]
        for i, why in taken:
            if i not in blocked:
                blocked[i] = f"{why}, which cannot be selected ({blocked[j]})"
                blocked_via.add(i)
                stack.append(i)
    # A required project blocked through a dependency (or an all_or_none partner) has that one in
    # conflict too (required is closed under both): report only the root of each contradiction.
    for i in sorted(required.keys() & blocked.keys() - blocked_via):
        conflicts.append(f"{cands[i].id} must be selected ({required[i]}) but cannot be ({blocked[i]})")
    return blocked


def _unsatisfiable_groups(problem: Problem) -> list[str]:
    """at_least_one groups none of whose projects can be selected at all."""
    conflicts: list[str] = []
    cands = problem.candidates
    for g in problem.rule_groups("at_least_one"):
        group, ids = problem.groups[g], problem.members[g]
        if not ids:
            conflicts.append(
                f"{group.label} cannot be satisfied: none of its projects is a candidate "
                "(closed, cancelled, rejected or unknown)"
            )
        elif all(i in problem.blocked for i in ids):
            why = "; ".join(f"{cands[i].id}: {problem.blocked[i]}" for i in ids)
            conflicts.append(f"{group.label} cannot be satisfied: every project in it is ruled out ({why})")
    return conflicts


def build_problem(
    candidates: Sequence[Candidate],
    budget: int | None,
    capacity: Capacity | None,
    force_in: Collection[str] = (),
    force_out: Collection[str] = (),
    *,
    periods: Sequence[PeriodBudget] = (),
    groups: Sequence[Group] = (),
    start_period: str | None = None,
) -> Problem:
    """Work out what must and cannot be selected; raise InfeasibleSelection on any contradiction.

    `start_period` ("YYYY-MM"): a committed project counts only its cost by month from then on."""
    cands = list(candidates)
    index = _validate(cands, budget, periods)
    conflicts: list[str] = []
    for pid in sorted(set(force_in) - index.keys()):
        conflicts.append(
            f"{pid} is forced in but is not a candidate (closed, cancelled, rejected or unknown)"
        )
    forced_in = {index[p] for p in force_in if p in index}
    forced_out = {index[p] for p in force_out if p in index}
    links = _links(cands, index, groups)
    required = _required(cands, links, forced_in)
    blocked = _blocked(cands, links, required, forced_out, conflicts)
    monthly = [counted(c.period_costs, c.committed, start_period) for c in cands]
    costs = [sum(m.values()) if c.period_costs else c.cost for c, m in zip(cands, monthly, strict=True)]
    problem = Problem(
        cands,
        index,
        budget,
        capacity,
        links.pairs,
        required,
        blocked,
        links.missing,
        forced_out,
        deps=links.deps,
        costs=costs,
        monthly=monthly,
        periods=list(periods),
        period_costs=[[p.cost(m) for m in monthly] for p in periods],
        groups=list(groups),
        members=links.members,
        groups_of=links.groups_of,
        partners=links.partners,
    )
    conflicts += _unsatisfiable_groups(problem)
    if not conflicts:
        conflicts += _resource_conflicts(problem)
    if conflicts:
        raise InfeasibleSelection(conflicts)
    return problem


def _money_conflicts(problem: Problem) -> list[str]:
    cands = problem.candidates
    required = sorted(problem.required, key=lambda i: cands[i].id)
    conflicts: list[str] = []
    cost = problem.required_cost
    if problem.budget is not None and cost > problem.budget:
        ids = ", ".join(cands[i].id for i in required)
        conflicts.append(
            f"the projects that must be selected ({ids}) cost {format_money(cost)} "
            f"but the budget is {format_money(problem.budget)}"
        )
    for p, period in enumerate(problem.periods):
        cost = problem.required_period_cost(p)
        if cost > period.amount:
            ids = ", ".join(cands[i].id for i in required if problem.period_costs[p][i])
            conflicts.append(
                f"the projects that must be selected ({ids}) cost {format_money(cost)} within "
                f"{period.label} but it is {format_money(period.amount)}"
            )
    return conflicts


def _resource_conflicts(problem: Problem) -> list[str]:
    conflicts = _money_conflicts(problem)
    if problem.capacity is not None:
        required = sorted(problem.required, key=lambda i: problem.candidates[i].id)
        ids = ", ".join(problem.candidates[i].id for i in required)
        used = used_capacity(problem.candidates, required)
        for key in sorted(used):
            available = problem.capacity.get(key, 0.0)
            if over_capacity(used[key], available):
                conflicts.append(
                    f"the projects that must be selected ({ids}) need {used[key]:,.1f} h of {key[0]} "
                    f"in {key[1]} but only {available:,.1f} h is available"
                )
    return conflicts

"""A selection problem worked out before it is solved: the candidates indexed, their dependency and
exclusion links, what must be selected and what cannot be, each with why. Every contradiction between
them is an InfeasibleSelection that names it; once none is found, "select exactly the required
projects" is feasible, so the solver never legitimately reports infeasibility afterwards."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from pmo_portfolio.logic.formatting import format_money

Capacity = Mapping[tuple[str, str], float]

# Relative tolerance when comparing hours (floats) against capacity.
CAPACITY_TOLERANCE = 1e-9


def over_capacity(hours: float, capacity: float) -> bool:
    """Whether `hours` exceed `capacity` by more than the float tolerance."""
    return hours > capacity * (1 + CAPACITY_TOLERANCE) + CAPACITY_TOLERANCE


@dataclass(frozen=True)
class Candidate:
    id: str
    cost: int  # cents
    value: float  # priority score to maximise (e.g. weighted score 0..100)
    mandatory: bool = False
    committed: bool = False  # in progress: always selected, its cost and demand count
    depends_on: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()  # symmetric: either side may list the pair
    demand: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (role, "YYYY-MM") -> hours


class InfeasibleSelection(ValueError):
    """No selection satisfies the constraints; `conflicts` are sentences naming why."""

    def __init__(self, conflicts: list[str]) -> None:
        super().__init__("; ".join(conflicts))
        self.conflicts = conflicts


@dataclass
class Problem:
    """Candidates indexed 0..n-1, the exclusion pairs, and what must / cannot be selected, with why."""

    candidates: list[Candidate]
    index: dict[str, int]
    budget: int
    capacity: Capacity | None
    pairs: list[tuple[int, int]]  # exclusion pairs i < j, deduplicated
    required: dict[int, str]  # must be selected -> why ("mandatory", "P-3 depends on it; ...")
    blocked: dict[int, str]  # cannot be selected -> why
    missing: dict[int, list[str]]  # depends on ids that are not candidates
    forced_out: set[int]

    @property
    def required_cost(self) -> int:
        return sum(self.candidates[i].cost for i in self.required)


@dataclass
class _Links:
    """The candidates' dependency and exclusion links, by index."""

    deps: list[list[int]]
    dependents: list[list[int]]
    missing: dict[int, list[str]]
    pairs: list[tuple[int, int]]
    partners: list[list[int]]


def used_capacity(cands: Sequence[Candidate], selected: Collection[int]) -> dict[tuple[str, str], float]:
    """The hours per (role, month) that the `selected` candidates need together."""
    used: dict[tuple[str, str], float] = {}
    for i in selected:
        for key, hours in cands[i].demand.items():
            if hours > 0:
                used[key] = used.get(key, 0.0) + hours
    return used


def _validate(candidates: Sequence[Candidate], budget: int) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, c in enumerate(candidates):
        if c.id in index:
            raise ValueError(f"candidate {c.id} appears twice")
        if c.cost < 0:
            raise ValueError(f"candidate {c.id} has a negative cost")
        if not math.isfinite(c.value):
            raise ValueError(f"candidate {c.id} has a value that is not finite")
        for key, hours in c.demand.items():
            if not math.isfinite(hours) or hours < 0:
                raise ValueError(f"candidate {c.id} has an invalid demand {hours} for {key}")
        index[c.id] = i
    if budget < 0:
        raise ValueError("the budget must not be negative")
    return index


def _links(cands: Sequence[Candidate], index: Mapping[str, int]) -> _Links:
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
    return _Links(deps, dependents, missing, pairs, partners)


def _required_reason(c: Candidate, forced_in: bool) -> str:
    if c.committed:
        return "it is committed (in progress)"
    if c.mandatory:
        return "it is mandatory"
    return "it is forced in" if forced_in else "it is required"


def _required(cands: Sequence[Candidate], links: _Links, forced_in: Collection[int]) -> dict[int, str]:
    """Must be selected: mandatory, committed, forced in, and (transitively) their dependencies."""
    required: dict[int, str] = {}
    root: dict[int, str] = {}  # the mandatory/committed/forced project a requirement comes from
    stack = [i for i, c in enumerate(cands) if c.mandatory or c.committed or i in forced_in]
    for i in stack:
        required[i] = _required_reason(cands[i], i in forced_in)
        root[i] = cands[i].id + required[i][2:]  # "it is mandatory" -> "P-3 is mandatory"
    while stack:
        i = stack.pop()
        for j in links.deps[i]:
            if j not in required:
                required[j] = f"{cands[i].id} depends on it; {root[i]}"
                root[j] = root[i]
                stack.append(j)
    return required


def _blocked(
    cands: Sequence[Candidate],
    links: _Links,
    required: Mapping[int, str],
    forced_out: Collection[int],
    conflicts: list[str],
) -> dict[int, str]:
    """Cannot be selected: forced out, missing dependency, exclusive with a required project, and
    (transitively) everything that depends on one of those. Appends the contradictions it meets."""
    blocked: dict[int, str] = {}
    for i in sorted(forced_out):
        blocked[i] = "it is forced out"
    for i, ids in links.missing.items():
        blocked.setdefault(i, f"it depends on {', '.join(ids)}, which is not a candidate")
    for i in sorted(required):
        for j in links.partners[i]:
            if j not in blocked and j not in required:
                blocked[j] = f"it excludes {cands[i].id}, which must be selected"
            elif j in required and i < j:
                conflicts.append(
                    f"{cands[i].id} and {cands[j].id} exclude each other but both must be selected "
                    f"({cands[i].id}: {required[i]}; {cands[j].id}: {required[j]})"
                )
    blocked_via: set[int] = set()  # blocked only because a dependency is
    stack = list(blocked)
    while stack:
        j = stack.pop()
        for i in links.dependents[j]:
            if i not in blocked:
                blocked[i] = f"it depends on {cands[j].id}, which cannot be selected ({blocked[j]})"
                blocked_via.add(i)
                stack.append(i)
    # A required project blocked through a dependency has that dependency in conflict too (required is
    # closed under dependencies): report only the root of each contradiction.
    for i in sorted(required.keys() & blocked.keys() - blocked_via):
        conflicts.append(f"{cands[i].id} must be selected ({required[i]}) but cannot be ({blocked[i]})")
    return blocked


def build_problem(
    candidates: Sequence[Candidate],
    budget: int,
    capacity: Capacity | None,
    force_in: Collection[str] = (),
    force_out: Collection[str] = (),
) -> Problem:
    """Work out what must and cannot be selected; raise InfeasibleSelection on any contradiction."""
    cands = list(candidates)
    index = _validate(cands, budget)
    conflicts: list[str] = []
    for pid in sorted(set(force_in) - index.keys()):
        conflicts.append(
            f"{pid} is forced in but is not a candidate (closed, cancelled, rejected or unknown)"
        )
    forced_in = {index[p] for p in force_in if p in index}
    forced_out = {index[p] for p in force_out if p in index}
    links = _links(cands, index)
    required = _required(cands, links, forced_in)
    blocked = _blocked(cands, links, required, forced_out, conflicts)
    problem = Problem(
        cands, index, budget, capacity, links.pairs, required, blocked, links.missing, forced_out
    )
    if not conflicts:
        conflicts += _resource_conflicts(problem)
    if conflicts:
        raise InfeasibleSelection(conflicts)
    return problem


def _resource_conflicts(problem: Problem) -> list[str]:
    conflicts: list[str] = []
    required = sorted(problem.required, key=lambda i: problem.candidates[i].id)
    ids = ", ".join(problem.candidates[i].id for i in required)
    cost = problem.required_cost
    if cost > problem.budget:
        conflicts.append(
            f"the projects that must be selected ({ids}) cost {format_money(cost)} "
            f"but the budget is {format_money(problem.budget)}"
        )
    if problem.capacity is not None:
        used: dict[tuple[str, str], float] = {}
        for i in required:
            for key, hours in problem.candidates[i].demand.items():
                used[key] = used.get(key, 0.0) + hours
        for key in sorted(used):
            available = problem.capacity.get(key, 0.0)
            if over_capacity(used[key], available):
                conflicts.append(
                    f"the projects that must be selected ({ids}) need {used[key]:,.1f} h of {key[0]} "
                    f"in {key[1]} but only {available:,.1f} h is available"
                )
    return conflicts

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
cannot be are worked out; every contradiction between them is reported as an InfeasibleSelection that names
it. Once those checks pass, "select exactly the required projects" is feasible, so HiGHS never legitimately
reports infeasibility afterwards.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from pmo_portfolio.logic.explain import explain_exclusions, format_money

Capacity = Mapping[tuple[str, str], float]

# Relative tolerance when comparing hours (floats) against capacity.
CAPACITY_TOLERANCE = 1e-9


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


def _required_reason(c: Candidate, forced_in: bool) -> str:
    if c.committed:
        return "it is committed (in progress)"
    if c.mandatory:
        return "it is mandatory"
    return "it is forced in" if forced_in else "it is required"


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

    # Must be selected: mandatory, committed, forced in, and (transitively) their dependencies.
    required: dict[int, str] = {}
    root: dict[int, str] = {}  # the mandatory/committed/forced project a requirement comes from
    stack = [i for i, c in enumerate(cands) if c.mandatory or c.committed or i in forced_in]
    for i in stack:
        required[i] = _required_reason(cands[i], i in forced_in)
        root[i] = cands[i].id + required[i][2:]  # "it is mandatory" -> "P-3 is mandatory"
    while stack:
        i = stack.pop()
        for j in deps[i]:
            if j not in required:
                required[j] = f"{cands[i].id} depends on it; {root[i]}"
                root[j] = root[i]
                stack.append(j)

    # Cannot be selected: forced out, missing dependency, exclusive with a required project, and
    # (transitively) everything that depends on one of those.
    blocked: dict[int, str] = {}
    for i in sorted(forced_out):
        blocked[i] = "it is forced out"
    for i, ids in missing.items():
        blocked.setdefault(i, f"it depends on {', '.join(ids)}, which is not a candidate")
    for i in sorted(required):
        for j in partners[i]:
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
        for i in dependents[j]:
            if i not in blocked:
                blocked[i] = f"it depends on {cands[j].id}, which cannot be selected ({blocked[j]})"
                blocked_via.add(i)
                stack.append(i)
    # A required project blocked through a dependency has that dependency in conflict too (required is
    # closed under dependencies): report only the root of each contradiction.
    for i in sorted(required.keys() & blocked.keys() - blocked_via):
        conflicts.append(f"{cands[i].id} must be selected ({required[i]}) but cannot be ({blocked[i]})")

    problem = Problem(cands, index, budget, capacity, pairs, required, blocked, missing, forced_out)
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
            if used[key] > available * (1 + CAPACITY_TOLERANCE) + CAPACITY_TOLERANCE:
                conflicts.append(
                    f"the projects that must be selected ({ids}) need {used[key]:,.1f} h of {key[0]} "
                    f"in {key[1]} but only {available:,.1f} h is available"
                )
    return conflicts


@dataclass
class _Model:
    lp: highspy.HighsLp
    capacity_keys: list[tuple[str, str]]


def _build_model(problem: Problem) -> _Model:
    """The MILP in row-wise sparse form, built from numpy arrays."""
    cands = problem.candidates
    n = len(cands)
    values = np.fromiter((c.value for c in cands), dtype=float, count=n)
    costs = np.fromiter((c.cost for c in cands), dtype=float, count=n)
    lower = np.zeros(n)
    upper = np.ones(n)
    if problem.required:
        lower[np.fromiter(problem.required, dtype=np.int64)] = 1.0
    if problem.blocked:
        upper[np.fromiter(problem.blocked, dtype=np.int64)] = 0.0

    # Each block: (row starts relative to the block, column indices, values, row upper bounds).
    starts: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_upper: list[np.ndarray] = []
    row_lower: list[np.ndarray] = []

    # Budget row, scaled so that its largest coefficient is 1: costs in cents reach 1e10, which HiGHS
    # reports as badly scaled. The chosen selection is re-checked in exact integer cents afterwards.
    scale = float(costs.max()) if n and costs.max() > 0 else 1.0
    starts.append(np.array([0]))
    cols.append(np.arange(n))
    vals.append(costs / scale)
    row_lower.append(np.array([-highspy.kHighsInf]))
    row_upper.append(np.array([problem.budget / scale]))

    # Dependency rows x_i - x_j <= 0 (two entries per row).
    dep_pairs = [
        (i, problem.index[d])
        for i, c in enumerate(cands)
        for d in dict.fromkeys(c.depends_on)
        if d in problem.index and problem.index[d] != i
    ]
    if dep_pairs:
        arr = np.array(dep_pairs, dtype=np.int64)
        m = len(arr)
        starts.append(np.arange(m) * 2)
        cols.append(arr.reshape(-1))
        vals.append(np.tile([1.0, -1.0], m))
        row_lower.append(np.full(m, -highspy.kHighsInf))
        row_upper.append(np.zeros(m))

    # Exclusion rows x_i + x_j <= 1.
    if problem.pairs:
        arr = np.array(problem.pairs, dtype=np.int64)
        m = len(arr)
        starts.append(np.arange(m) * 2)
        cols.append(arr.reshape(-1))
        vals.append(np.ones(2 * m))
        row_lower.append(np.full(m, -highspy.kHighsInf))
        row_upper.append(np.ones(m))

    # Capacity rows, one per (role, month) that appears in any demand.
    capacity_keys: list[tuple[str, str]] = []
    if problem.capacity is not None:
        key_index: dict[tuple[str, str], int] = {}
        entry_row: list[int] = []
        entry_col: list[int] = []
        entry_val: list[float] = []
        for i, c in enumerate(cands):
            for key, hours in c.demand.items():
                if hours > 0:
                    r = key_index.setdefault(key, len(key_index))
                    entry_row.append(r)
                    entry_col.append(i)
                    entry_val.append(hours)
        if key_index:
            capacity_keys = list(key_index)
            rows = np.array(entry_row, dtype=np.int64)
            order = np.argsort(rows, kind="stable")
            counts = np.bincount(rows, minlength=len(capacity_keys))
            starts.append(np.concatenate(([0], np.cumsum(counts)[:-1])))
            cols.append(np.array(entry_col, dtype=np.int64)[order])
            vals.append(np.array(entry_val, dtype=float)[order])
            caps = np.array([problem.capacity.get(k, 0.0) for k in capacity_keys], dtype=float)
            row_lower.append(np.full(len(capacity_keys), -highspy.kHighsInf))
            row_upper.append(caps * (1 + CAPACITY_TOLERANCE) + CAPACITY_TOLERANCE)

    offsets = np.cumsum([0] + [len(c) for c in cols[:-1]])
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = sum(len(s) for s in starts)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = values
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.concatenate(row_lower)
    lp.row_upper_ = np.concatenate(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = np.concatenate(
        [s + off for s, off in zip(starts, offsets, strict=True)] + [np.array([offsets[-1] + len(cols[-1])])]
    ).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(cols).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(vals)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return _Model(lp, capacity_keys)


def _solve(problem: Problem, time_limit: float) -> tuple[list[int], str, bool]:
    """Indices of the selected candidates, the solver status and whether optimality is proven."""
    model = _build_model(problem)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    # Proven optimality means a zero gap, not HiGHS' default 0.01 % relative gap.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.passModel(model.lp)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise InfeasibleSelection(["the solver found no selection that satisfies all constraints"])
    x = np.asarray(h.getSolution().col_value, dtype=float)
    has_solution = h.getInfo().primal_solution_status == highspy.kSolutionStatusFeasible and len(x) > 0
    if status == highspy.HighsModelStatus.kOptimal:
        name, optimal = "optimal", True
    elif status == highspy.HighsModelStatus.kTimeLimit:
        name, optimal = "time_limit", False
    else:
        name, optimal = h.modelStatusToString(status).lower().replace(" ", "_"), False
    if not has_solution:
        # The required set alone is feasible (build_problem checked it): fall back to it.
        return sorted(problem.required), name, False
    chosen = np.flatnonzero(x > 0.5).tolist()
    if not _feasible(problem, chosen):
        # Only tolerance trouble could lead here; never return a selection that breaks a constraint.
        return sorted(problem.required), "numerical_trouble", False
    return chosen, name, optimal


def _feasible(problem: Problem, chosen: list[int]) -> bool:
    cands = problem.candidates
    sel = set(chosen)
    if not problem.required.keys() <= sel or sel & problem.blocked.keys():
        return False
    if sum(cands[i].cost for i in sel) > problem.budget:
        return False
    for i in sel:
        if any(d in problem.index and problem.index[d] not in sel for d in cands[i].depends_on):
            return False
    if any(i in sel and j in sel for i, j in problem.pairs):
        return False
    if problem.capacity is not None:
        used = _used_capacity(cands, sel)
        for key, hours in used.items():
            cap = problem.capacity.get(key, 0.0)
            if hours > cap * (1 + CAPACITY_TOLERANCE) + CAPACITY_TOLERANCE:
                return False
    return True


def _used_capacity(cands: Sequence[Candidate], selected: Collection[int]) -> dict[tuple[str, str], float]:
    used: dict[tuple[str, str], float] = {}
    for i in selected:
        for key, hours in cands[i].demand.items():
            if hours > 0:
                used[key] = used.get(key, 0.0) + hours
    return used


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
        used = _used_capacity(cands, sel)
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
    chosen, status, optimal = _solve(problem, time_limit)
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
    used = _used_capacity(cands, sel)
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
        extra = _used_capacity(cands, group)
        if capacity is not None and any(
            used.get(key, 0.0) + h > capacity.get(key, 0.0) * (1 + CAPACITY_TOLERANCE) + CAPACITY_TOLERANCE
            for key, h in extra.items()
        ):
            continue
        sel |= group
        spent += cost
        for key, h in extra.items():
            used[key] = used.get(key, 0.0) + h
    return _result(problem, sel, "heuristic", False, started)

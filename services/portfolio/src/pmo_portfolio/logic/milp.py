"""The selection problem as a 0/1 MILP for HiGHS (see `selection` for the formulation), its solution
checked against the constraints in exact integer cents, and why none exists when none does."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from pmo_portfolio.logic.fit import Load, greedy_fill, satisfies, unmet_groups
from pmo_portfolio.logic.problem import CAPACITY_TOLERANCE, InfeasibleSelection, Problem


@dataclass
class _Rows:
    """Constraint rows in row-wise sparse form, one block at a time: each block's row starts are
    relative to the block, its columns and values the block's entries."""

    starts: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        starts: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
        upper: np.ndarray,
        lower: np.ndarray | None = None,
    ) -> None:
        self.starts.append(starts)
        self.cols.append(cols)
        self.vals.append(vals)
        self.lower.append(np.full(len(upper), -highspy.kHighsInf) if lower is None else lower)
        self.upper.append(upper)

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.starts)


def _knapsack_row(costs: np.ndarray, limit: int, rows: _Rows) -> None:
    # Scaled so that its largest coefficient is 1: costs in cents reach 1e10, which HiGHS reports as
    # badly scaled. The chosen selection is re-checked in exact integer cents afterwards.
    top = float(costs.max()) if len(costs) else 0.0
    scale = top if top > 0 else 1.0
    cols = np.flatnonzero(costs > 0)  # a zero coefficient is no entry
    rows.add(np.array([0]), cols, costs[cols] / scale, np.array([limit / scale]))


def _money_rows(problem: Problem, rows: _Rows) -> None:
    """The budget row (when there is a budget) and one row per period budget."""
    n = len(problem.candidates)
    if problem.budget is not None:
        _knapsack_row(np.fromiter(problem.costs, dtype=float, count=n), problem.budget, rows)
    for period, costs in zip(problem.periods, problem.period_costs, strict=True):
        _knapsack_row(np.fromiter(costs, dtype=float, count=n), period.amount, rows)


def _group_rows(problem: Problem, at_least: int | None, rows: _Rows) -> None:
    """all_or_none: x_a - x_b = 0 along a chain of its members; at_most_one: Σ x <= 1;
    at_least_one: Σ x >= 1 (only the first `at_least` of those when given, to diagnose)."""
    chain = [
        (ids[k], ids[k + 1])
        for g in problem.rule_groups("all_or_none")
        for ids in [problem.members[g]]
        for k in range(len(ids) - 1)
    ]
    if chain:
        m = len(chain)
        rows.add(
            np.arange(m) * 2,
            np.array(chain, dtype=np.int64).reshape(-1),
            np.tile([1.0, -1.0], m),
            np.zeros(m),
            np.zeros(m),
        )
    at_least_one = problem.rule_groups("at_least_one")[:at_least]
    for rule, bounds in (
        ("at_most_one", (-highspy.kHighsInf, 1.0)),
        ("at_least_one", (1.0, highspy.kHighsInf)),
    ):
        chosen = at_least_one if rule == "at_least_one" else problem.rule_groups(rule)
        members = [problem.members[g] for g in chosen if problem.members[g]]
        if not members:
            continue
        sizes = np.array([len(ids) for ids in members])
        rows.add(
            np.concatenate(([0], np.cumsum(sizes)[:-1])),
            np.concatenate([np.array(ids, dtype=np.int64) for ids in members]),
            np.ones(int(sizes.sum())),
            np.full(len(members), bounds[1]),
            np.full(len(members), bounds[0]),
        )


def _pair_rows(pairs: list[tuple[int, int]], coefficients: list[float], bound: float, rows: _Rows) -> None:
    """One row of two entries per pair: x_i - x_j <= 0 (dependencies), x_i + x_j <= 1 (exclusions)."""
    if not pairs:
        return
    arr = np.array(pairs, dtype=np.int64)
    m = len(arr)
    rows.add(np.arange(m) * 2, arr.reshape(-1), np.tile(coefficients, m), np.full(m, bound))


def _capacity_rows(problem: Problem, rows: _Rows) -> None:
    """One row per (role, month) that appears in any demand."""
    if problem.capacity is None:
        return
    key_index: dict[tuple[str, str], int] = {}
    entry_row: list[int] = []
    entry_col: list[int] = []
    entry_val: list[float] = []
    for i, c in enumerate(problem.candidates):
        for key, hours in c.demand.items():
            if hours > 0:
                entry_row.append(key_index.setdefault(key, len(key_index)))
                entry_col.append(i)
                entry_val.append(hours)
    if not key_index:
        return
    keys = list(key_index)
    row_of = np.array(entry_row, dtype=np.int64)
    order = np.argsort(row_of, kind="stable")
    counts = np.bincount(row_of, minlength=len(keys))
    caps = np.array([problem.capacity.get(k, 0.0) for k in keys], dtype=float)
    rows.add(
        np.concatenate(([0], np.cumsum(counts)[:-1])),
        np.array(entry_col, dtype=np.int64)[order],
        np.array(entry_val, dtype=float)[order],
        caps * (1 + CAPACITY_TOLERANCE) + CAPACITY_TOLERANCE,
    )


def build_model(problem: Problem, at_least: int | None = None) -> highspy.HighsLp:
    """The MILP in row-wise sparse form, built from numpy arrays (with only the first `at_least`
    at_least_one groups when given)."""
    cands = problem.candidates
    n = len(cands)
    lower = np.zeros(n)
    upper = np.ones(n)
    if problem.required:
        lower[np.fromiter(problem.required, dtype=np.int64)] = 1.0
    if problem.blocked:
        upper[np.fromiter(problem.blocked, dtype=np.int64)] = 0.0
    rows = _Rows()
    _money_rows(problem, rows)
    dep_pairs = [
        (i, problem.index[d])
        for i, c in enumerate(cands)
        for d in dict.fromkeys(c.depends_on)
        if d in problem.index and problem.index[d] != i
    ]
    _pair_rows(dep_pairs, [1.0, -1.0], 0.0, rows)
    _pair_rows(problem.pairs, [1.0, 1.0], 1.0, rows)
    _capacity_rows(problem, rows)
    _group_rows(problem, at_least, rows)
    return _lp(problem, rows, lower, upper)


def _lp(problem: Problem, rows: _Rows, lower: np.ndarray, upper: np.ndarray) -> highspy.HighsLp:
    cands = problem.candidates
    n = len(cands)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = rows.count
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.fromiter((c.value for c in cands), dtype=float, count=n)
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    if not rows.count:  # no constraint at all (no budget, no links): an empty first block
        rows.add(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    lp.row_lower_ = np.concatenate(rows.lower)
    lp.row_upper_ = np.concatenate(rows.upper)
    offsets = np.cumsum([0] + [len(c) for c in rows.cols[:-1]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = np.concatenate(
        [s + off for s, off in zip(rows.starts, offsets, strict=True)]
        + [np.array([offsets[-1] + len(rows.cols[-1])])]
    ).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(rows.cols).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(rows.vals)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp


def _run(problem: Problem, time_limit: float, at_least: int | None = None) -> highspy._core._Highs:
    # The bare solver: `highspy.Highs()` installs its callbacks in the constructor, which prints HiGHS'
    # banner to stdout before `output_flag` can be turned off.
    h = highspy._core._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    # What "optimal" means (see `solve`): HiGHS status Optimal at a zero relative gap and an absolute
    # gap of 1e-9, not at HiGHS' default 0.01 % relative gap (about 4 score points on the 1,000-candidate
    # bench with yearly budgets, which would not make that bench fast either: HiGHS gets within 0.01 %
    # only after some 85 % of the time its proof takes). Rows hold to 1e-9: a money row is scaled to its
    # largest cost (half a cent at 5M) and the selection is re-checked in exact cents by `satisfies`.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.passModel(build_model(problem, at_least))
    h.run()
    return h


def _bound(h: highspy._core._Highs) -> float | None:
    """HiGHS' proven upper bound on the value of any selection, when it has one."""
    bound = float(h.getInfo().mip_dual_bound)
    return bound if np.isfinite(bound) else None


def solve(problem: Problem, time_limit: float) -> tuple[list[int], str, bool, float | None]:
    """Indices of the selected candidates, the solver status, whether optimality is proven and the
    proven bound on the value (None when HiGHS has none, e.g. stopped before its first LP).

    Proven optimal: no selection is worth more than 1e-9 above the one returned (HiGHS status Optimal
    at mip_rel_gap 0, mip_abs_gap 1e-9), and the one returned satisfies every constraint in exact cents.
    """
    started = time.perf_counter()
    h = _run(problem, time_limit)
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        left = max(time_limit - (time.perf_counter() - started), 0.0)
        raise InfeasibleSelection(diagnose(problem, left))
    x = np.asarray(h.getSolution().col_value, dtype=float)
    has_solution = h.getInfo().primal_solution_status == highspy.kSolutionStatusFeasible and len(x) > 0
    if status == highspy.HighsModelStatus.kOptimal:
        name, optimal = "optimal", True
    elif status == highspy.HighsModelStatus.kTimeLimit:
        name, optimal = "time_limit", False
    else:
        name, optimal = h.modelStatusToString(status).lower().replace(" ", "_"), False
    chosen = np.flatnonzero(x > 0.5).tolist() if has_solution else None
    if chosen is not None and satisfies(problem, chosen):
        return chosen, name, optimal, _bound(h)
    if chosen is not None:
        name = "numerical_trouble"  # only tolerance trouble leads here: never return a broken selection
    # The required set satisfies everything but the at_least_one groups (build_problem checked it);
    # the greedy fill satisfies those too whenever it can.
    fallback = greedy_fill(problem, fill=False)
    if fallback is None:
        raise InfeasibleSelection(
            [
                f"the solver found no selection within its time limit ({time_limit:g} s) and none was found "
                "that satisfies every at_least_one group; retry, or relax the groups"
            ]
        )
    return sorted(fallback), name, False, _bound(h)


def diagnose(problem: Problem, time_limit: float) -> list[str]:
    """Why no selection exists although build_problem found no contradiction: only the at_least_one
    groups can cause that. First each group on its own beside the required projects (each member with
    what it brings along); else the first group that, with those before it, leaves nothing feasible."""
    cands = problem.candidates
    load = Load.of(problem, problem.required)
    conflicts: list[str] = []
    for g in unmet_groups(problem, problem.required):
        why: list[str] = []
        for i in (i for i in problem.members[g] if i not in problem.blocked):
            misfits = load.misfits(problem.closure(i))
            if not misfits:
                break
            why.append(f"{cands[i].id}: {'; '.join(misfits)}")
        else:
            conflicts.append(
                f"{problem.groups[g].label} cannot be satisfied: none of its projects fits beside the "
                f"projects that must be selected ({'; '.join(why)})"
            )
    groups = problem.rule_groups("at_least_one")
    if conflicts or not groups:
        return conflicts or ["the solver found no selection that satisfies all constraints"]
    feasible, infeasible = 0, len(groups)  # with no at_least_one group it is feasible (see above)
    while infeasible - feasible > 1:
        middle = (feasible + infeasible) // 2
        status = _run(problem, time_limit, middle).getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            infeasible = middle
        else:
            feasible = middle
    group = problem.groups[groups[infeasible - 1]]
    before = [problem.groups[g].label for g in groups[: infeasible - 1]]
    return [
        f"{group.label} cannot be satisfied together with the other constraints"
        + (f" and {', '.join(before)}" if before else "")
    ]

"""The selection problem as a 0/1 MILP for HiGHS (see `selection` for the formulation), and its
solution checked against the constraints in exact integer cents."""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from pmo_portfolio.logic.problem import (
    CAPACITY_TOLERANCE,
    InfeasibleSelection,
    Problem,
    over_capacity,
    used_capacity,
)


@dataclass
class _Rows:
    """Constraint rows in row-wise sparse form, one block at a time: each block's row starts are
    relative to the block, its columns and values the block's entries."""

    starts: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)

    def add(self, starts: np.ndarray, cols: np.ndarray, vals: np.ndarray, upper: np.ndarray) -> None:
        self.starts.append(starts)
        self.cols.append(cols)
        self.vals.append(vals)
        self.lower.append(np.full(len(upper), -highspy.kHighsInf))
        self.upper.append(upper)

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.starts)


def _budget_row(problem: Problem, rows: _Rows) -> None:
    # Scaled so that its largest coefficient is 1: costs in cents reach 1e10, which HiGHS reports as
    # badly scaled. The chosen selection is re-checked in exact integer cents afterwards.
    n = len(problem.candidates)
    costs = np.fromiter((c.cost for c in problem.candidates), dtype=float, count=n)
    scale = float(costs.max()) if n and costs.max() > 0 else 1.0
    rows.add(np.array([0]), np.arange(n), costs / scale, np.array([problem.budget / scale]))


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


def build_model(problem: Problem) -> highspy.HighsLp:
    """The MILP in row-wise sparse form, built from numpy arrays."""
    cands = problem.candidates
    n = len(cands)
    lower = np.zeros(n)
    upper = np.ones(n)
    if problem.required:
        lower[np.fromiter(problem.required, dtype=np.int64)] = 1.0
    if problem.blocked:
        upper[np.fromiter(problem.blocked, dtype=np.int64)] = 0.0
    rows = _Rows()
    _budget_row(problem, rows)
    dep_pairs = [
        (i, problem.index[d])
        for i, c in enumerate(cands)
        for d in dict.fromkeys(c.depends_on)
        if d in problem.index and problem.index[d] != i
    ]
    _pair_rows(dep_pairs, [1.0, -1.0], 0.0, rows)
    _pair_rows(problem.pairs, [1.0, 1.0], 1.0, rows)
    _capacity_rows(problem, rows)

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = rows.count
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.fromiter((c.value for c in cands), dtype=float, count=n)
    lp.col_lower_ = lower
    lp.col_upper_ = upper
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


def solve(problem: Problem, time_limit: float) -> tuple[list[int], str, bool]:
    """Indices of the selected candidates, the solver status and whether optimality is proven."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    # Proven optimality means a zero gap, not HiGHS' default 0.01 % relative gap.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.passModel(build_model(problem))
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
    if not feasible(problem, chosen):
        # Only tolerance trouble could lead here; never return a selection that breaks a constraint.
        return sorted(problem.required), "numerical_trouble", False
    return chosen, name, optimal


def feasible(problem: Problem, chosen: list[int]) -> bool:
    """Whether `chosen` satisfies every constraint (money in exact cents)."""
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
        for key, hours in used_capacity(cands, sel).items():
            if over_capacity(hours, problem.capacity.get(key, 0.0)):
                return False
    return True

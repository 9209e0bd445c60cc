"""A portfolio's projects as selection candidates, and a scenario's settings as the solver's rules.

A candidate's cost by month is its cost profile, else its budget linear by day over its dates; a project
with one date has its whole cost in that date's month, one without dates in the scenario's start period
(nothing planned yet: treated as due now). The solver counts an in_progress project's months from the
start period on only."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pmo_common.errors import Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.capacity import repository as capacity_repository
from pmo_portfolio.criteria import repository as criteria_repository
from pmo_portfolio.logic import profiles
from pmo_portfolio.logic.periods import Group, PeriodBudget, monthly_cost
from pmo_portfolio.logic.selection import Candidate, InfeasibleSelection, Rules
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.projects.models import Project
from pmo_portfolio.ranking.service import logic_criteria, weighted

CANDIDATE_STAGES = ("proposal", "approved", "on_hold", "in_progress")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


class Pool:
    """A portfolio's candidates for selection, and their codes for explaining results to people."""

    def __init__(self, candidates: list[Candidate], codes: dict[str, str]) -> None:
        self.candidates = candidates
        self.codes = codes

    def name(self, text: str) -> str:
        """Replace project ids in a solver sentence by the projects' codes."""
        return _UUID.sub(lambda m: self.codes.get(m.group(0), m.group(0)), text)

    def infeasible(self, exc: InfeasibleSelection) -> Unprocessable:
        conflicts = [self.name(c) for c in exc.conflicts]
        return Unprocessable(
            "No selection satisfies the constraints: " + "; ".join(conflicts), extra={"conflicts": conflicts}
        )


def _monthly(project: Project, start_period: str) -> dict[str, int]:
    profile = [(period, cents(amount)) for period, amount in profiles.pairs(project.cost_profile)]
    total = cents(project.budget)
    return monthly_cost(total, profile, project.start_date, project.finish_date, start_period)


async def load_pool(
    session: AsyncSession, portfolio_id: uuid.UUID, weights: Mapping[str, float] | None, start_period: str
) -> Pool:
    projects = await project_repository.in_portfolio(session, portfolio_id)
    criteria = logic_criteria(await criteria_repository.in_portfolio(session, portfolio_id), weights)
    stage = {str(p.id): p.stage for p in projects}
    active = [p for p in projects if p.stage in CANDIDATE_STAGES]
    demand = await capacity_repository.demand(session, [p.id for p in active])

    def depends_on(p: Project) -> tuple[str, ...]:
        # A closed dependency has been delivered: it is satisfied. A running project's dependencies are
        # history, whatever became of them. Other non-candidates (cancelled, rejected) block the project.
        if p.stage == "in_progress":
            return tuple(d for d in p.depends_on if stage.get(d) in CANDIDATE_STAGES)
        return tuple(d for d in p.depends_on if stage.get(d) != "closed")

    candidates = []
    for p in active:
        monthly = _monthly(p, start_period)
        candidates.append(
            Candidate(
                id=str(p.id),
                # The months, not the budget: a stored profile is checked to sum to the budget on
                # every write, and the solver needs the two to agree to the cent.
                cost=sum(monthly.values()),
                value=weighted(p, criteria)[0],
                mandatory=p.mandatory,
                committed=p.stage == "in_progress",
                depends_on=depends_on(p),
                excludes=tuple(p.excludes),
                demand=demand.get(p.id, {}),
                period_costs=monthly,
            )
        )
    return Pool(candidates, {str(p.id): p.code for p in projects})


def stored_period_budgets(periods: Sequence[Any]) -> list[dict[str, str]]:
    """The JSON form of period budgets (request models), in the order given."""
    return [{"from": p.from_, "to": p.to, "amount": f"{p.amount:.2f}", "name": p.name} for p in periods]


def stored_groups(groups: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"project_ids": [str(i) for i in g.project_ids], "rule": g.rule, "name": g.name} for g in groups]


def rules(
    force_in: Sequence[str],
    force_out: Sequence[str],
    period_budgets: Sequence[Mapping[str, Any]],
    groups: Sequence[Mapping[str, Any]],
    start_period: str,
) -> Rules:
    """The solver's rules from a scenario's stored settings; groups are numbered from 1 as in reasons."""
    return Rules(
        force_in=list(force_in),
        force_out=list(force_out),
        periods=[
            PeriodBudget(p["from"], p["to"], cents(Decimal(p["amount"])), p.get("name", ""))
            for p in period_budgets
        ],
        groups=[
            Group(tuple(g["project_ids"]), g["rule"], number=k, name=g.get("name", ""))
            for k, g in enumerate(groups, start=1)
        ],
        start_period=start_period,
    )

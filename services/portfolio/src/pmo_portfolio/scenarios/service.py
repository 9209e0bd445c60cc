"""Scenarios: an exact selection of a portfolio's projects under budget, dependencies, exclusions and
(optionally) capacity, stored with its result; approving one moves its proposals to approved.
Never commits. Solving is CPU work and runs in a worker thread so the event loop stays responsive."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

import anyio
from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ScenarioApproved
from pmo_common.db import serialize, utcnow
from pmo_common.errors import Conflict, Unprocessable, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.capacity import repository as capacity_repository
from pmo_portfolio.criteria import repository as criteria_repository
from pmo_portfolio.decisions import service as decisions
from pmo_portfolio.decisions.schemas import MAX_ALTERNATIVES
from pmo_portfolio.gates import service as gates
from pmo_portfolio.gates.schemas import GateDecisionCreate
from pmo_portfolio.logic.selection import (
    Candidate,
    FrontierPoint,
    InfeasibleSelection,
    SelectionResult,
    build_problem,
    efficient_frontier,
    select_projects,
)
from pmo_portfolio.metrics import SOLVE_SECONDS
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.projects.models import Project
from pmo_portfolio.ranking.service import logic_criteria, weighted
from pmo_portfolio.scenarios import repository
from pmo_portfolio.scenarios.models import Scenario
from pmo_portfolio.scenarios.schemas import FrontierPointRead, ScenarioCreate, ScenarioRead

CANDIDATE_STAGES = ("proposal", "approved", "on_hold", "in_progress")
SOLVE_TIME_LIMIT = 20.0
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def read(scenario: Scenario) -> ScenarioRead:
    return ScenarioRead.model_validate(scenario)


def _published(scenario: Scenario) -> dict[str, Any]:
    """What `scenario.approved` carries: the scenario beside its result's selection and totals."""
    view = read(scenario)
    return {**view.model_dump(exclude={"result"}), **view.result.model_dump()}


# Only an approval is announced (`scenario.approved`); creating a scenario is audited, not published.
SCENARIOS = Aggregate[Scenario]("scenario", read=ScenarioRead.model_validate, source=_published)


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


class _Pool:
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


async def _pool(session: AsyncSession, portfolio_id: uuid.UUID, weights: Mapping[str, float] | None) -> _Pool:
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

    candidates = [
        Candidate(
            id=str(p.id),
            cost=_cents(p.budget),
            value=weighted(p, criteria)[0],
            mandatory=p.mandatory,
            committed=p.stage == "in_progress",
            depends_on=depends_on(p),
            excludes=tuple(p.excludes),
            demand=demand.get(p.id, {}),
        )
        for p in active
    ]
    return _Pool(candidates, {str(p.id): p.code for p in projects})


async def _capacity(session: AsyncSession) -> dict[tuple[str, str], float]:
    capacity = await capacity_repository.capacity(session)
    if capacity is None:
        raise invalid(
            "respect_capacity",
            "no capacity has been received from the resource service yet (pmo.resource.capacity.changed)",
        )
    return capacity


async def _check_ids(session: AsyncSession, portfolio_id: uuid.UUID, body: ScenarioCreate) -> None:
    for name in ("force_in", "force_out"):
        ids: list[uuid.UUID] = getattr(body, name)
        unknown = set(ids) - await project_repository.ids_in_portfolio(session, portfolio_id, ids)
        if unknown:
            raise invalid(name, f"not projects of this portfolio: {', '.join(sorted(map(str, unknown)))}")
    both = set(body.force_in) & set(body.force_out)
    if both:
        raise invalid("force_out", f"projects both forced in and out: {', '.join(sorted(map(str, both)))}")
    if body.weights is not None:
        known = {c.id for c in await criteria_repository.in_portfolio(session, portfolio_id)}
        for criterion_id in body.weights:
            if criterion_id not in known:
                raise invalid(f"weights.{criterion_id}", "not a criterion of this portfolio")


def _result(pool: _Pool, result: SelectionResult) -> dict[str, Any]:
    return {
        "selected": result.selected,
        "excluded": [
            {"project_id": e.project_id, "reasons": [pool.name(r) for r in e.reasons]}
            for e in result.excluded
        ],
        "total_value": result.total_value,
        "total_cost": str(_money(result.total_cost)),
        "budget_slack": str(_money(result.budget_slack)),
        "binding_constraints": [pool.name(b) for b in result.binding_constraints],
        "solver": {"status": result.status, "optimal": result.optimal, "seconds": result.seconds},
    }


async def create(
    session: AsyncSession, portfolio: Portfolio, body: ScenarioCreate, principal: Principal
) -> Scenario:
    """Solve the scenario (422 naming the conflict when nothing is feasible) and store it with its result."""
    await _check_ids(session, portfolio.id, body)
    weights = None if body.weights is None else {str(k): v for k, v in body.weights.items()}
    pool = await _pool(session, portfolio.id, weights)
    capacity = await _capacity(session) if body.respect_capacity else None
    solve = partial(
        select_projects,
        pool.candidates,
        _cents(body.budget),
        capacity,
        [str(i) for i in body.force_in],
        [str(i) for i in body.force_out],
        time_limit=SOLVE_TIME_LIMIT,
    )
    try:
        result = await anyio.to_thread.run_sync(solve)
    except InfeasibleSelection as exc:
        raise pool.infeasible(exc) from None
    SOLVE_SECONDS.labels("scenario").observe(result.seconds)
    scenario = Scenario(
        id=uuid.uuid4(),
        portfolio_id=portfolio.id,
        name=body.name,
        budget=body.budget,
        respect_capacity=body.respect_capacity,
        force_in=[str(i) for i in body.force_in],
        force_out=[str(i) for i in body.force_out],
        weights=weights,
        result=_result(pool, result),
        basis=await _basis(session, portfolio.id),
        status="proposed",
        created_by=principal.sub,
        approved_projects=[],
    )
    await SCENARIOS.create(session, scenario, principal, None)
    return scenario


async def _basis(session: AsyncSession, portfolio_id: uuid.UUID) -> str:
    """A digest of what a selection depends on: the portfolio's projects and criteria, by version."""
    projects = await project_repository.in_portfolio(session, portfolio_id)
    criteria = await criteria_repository.in_portfolio(session, portfolio_id)
    parts = sorted(
        f"{kind}:{item.id}:{item.version}"
        for kind, items in (("p", projects), ("c", criteria))
        for item in items
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


async def _check_approvable(session: AsyncSession, scenario: Scenario) -> None:
    if scenario.status != "proposed":
        by = (
            f" by {scenario.approved_by} at {scenario.approved_at:%Y-%m-%dT%H:%M:%SZ}"
            if scenario.approved_at
            else ""
        )
        raise Conflict(
            f"Scenario {scenario.name!r} is {scenario.status}{by}; only a proposed scenario is approved."
        )
    if scenario.basis != await _basis(session, scenario.portfolio_id):
        raise Conflict(
            f"The portfolio's projects or criteria changed after scenario {scenario.name!r} was solved; "
            "re-solve it (POST a new scenario with the same settings) and approve that one."
        )


async def approve(session: AsyncSession, scenario: Scenario, principal: Principal) -> Scenario:
    """Move the selected projects still in proposal to approved (each a logged gate decision with its
    stage_changed event) and publish `scenario.approved`. A portfolio has one approved scenario: an
    earlier one becomes `superseded`. Approving twice, or a scenario solved before the portfolio's
    projects last changed, is a 409."""
    await serialize(session, f"scenario-approval:{scenario.portfolio_id}")  # one approval at a time
    await _check_approvable(session, scenario)
    for earlier in await repository.approved_in_portfolio(session, scenario.portfolio_id):
        await SCENARIOS.update(
            session, earlier, principal, {"status": "superseded"}, None, action="superseded"
        )
    moved: list[str] = []
    decision = GateDecisionCreate(
        to_stage="approved",
        decision="approve",
        rationale=f"Selected in the approved scenario {scenario.name!r} ({scenario.id}).",
    )
    for project_id in scenario.result["selected"]:
        project = await project_repository.get(session, uuid.UUID(project_id))
        if project is not None and project.stage == "proposal":
            await gates.decide(session, project, decision, principal)
            if project.stage == "approved":  # not when the stage's gate policy needs more approvers
                moved.append(project_id)
    async with SCENARIOS.change(session, scenario, principal, ScenarioApproved, action="approved") as c:
        scenario.status = "approved"
        scenario.approved_by = principal.sub
        scenario.approved_at = utcnow()
        scenario.approved_projects = moved
        c.changed = ["status"]
    await _log_approval(session, scenario, principal)
    return scenario


async def _log_approval(session: AsyncSession, scenario: Scenario, principal: Principal) -> None:
    """The decision log entry (kind `scenario`): what was selected, and the scenarios not taken."""
    others = await repository.in_portfolio_except(session, scenario.portfolio_id, scenario.id)
    result = scenario.result
    await decisions.record(
        session,
        principal,
        portfolio_id=scenario.portfolio_id,
        kind="scenario",
        title=f"Scenario {scenario.name!r} approved",
        rationale=(
            f"Selects {len(result['selected'])} projects for {result['total_cost']} within the budget of "
            f"{scenario.budget:.2f} (total value {result['total_value']:g}); moved to approved: "
            f"{len(scenario.approved_projects)}."
        ),
        alternatives=[f"Scenario {o.name!r} ({o.id})" for o in others if o.status == "proposed"][
            :MAX_ALTERNATIVES
        ],
        links=[
            {"type": "scenario", "id": scenario.id},
            *({"type": "project", "id": project_id} for project_id in scenario.approved_projects),
        ],
        decided_at=scenario.approved_at,
    )


def _frontier(candidates: Sequence[Candidate], points: int, capacity: Any) -> list[FrontierPoint]:
    started = time.perf_counter()
    total = sum(c.cost for c in candidates)
    # The least any selection costs: mandatory and committed projects with their dependencies.
    low = build_problem(candidates, total, capacity).required_cost
    budgets = sorted({low + (total - low) * i // (points - 1) for i in range(points)})
    result = efficient_frontier(candidates, budgets, capacity)
    SOLVE_SECONDS.labels("frontier").observe(time.perf_counter() - started)
    return result


async def frontier(
    session: AsyncSession, portfolio: Portfolio, points: int, respect_capacity: bool
) -> list[FrontierPointRead]:
    """The best value at `points` budget levels from the required (mandatory + committed) cost to the
    cost of every candidate; levels that coincide are returned once."""
    pool = await _pool(session, portfolio.id, None)
    capacity = await _capacity(session) if respect_capacity else None
    try:
        result = await anyio.to_thread.run_sync(partial(_frontier, pool.candidates, points, capacity))
    except InfeasibleSelection as exc:
        raise pool.infeasible(exc) from None
    return [
        FrontierPointRead(
            budget=_money(p.budget), value=p.value, project_ids=p.project_ids, optimal=p.optimal
        )
        for p in result
    ]

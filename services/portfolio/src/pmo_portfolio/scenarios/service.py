"""Scenarios: an exact selection of a portfolio's projects under a budget and/or period budgets,
dependencies, exclusions, groups and (optionally) capacity, stored with its result; approving one moves
its proposals to approved; two solved scenarios can be compared.
Never commits. Solving is CPU work and runs in a worker thread so the event loop stays responsive."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import Any

import anyio
from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ScenarioApproved
from pmo_common.db import serialize, utcnow
from pmo_common.errors import Conflict, Unprocessable, field_errors, invalid
from pmo_common.mspdi.monthly import month_of
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.capacity import repository as capacity_repository
from pmo_portfolio.criteria import repository as criteria_repository
from pmo_portfolio.decisions import service as decisions
from pmo_portfolio.decisions.schemas import MAX_ALTERNATIVES
from pmo_portfolio.gates import service as gates
from pmo_portfolio.gates.schemas import GateDecisionCreate
from pmo_portfolio.logic.compare import Solved, compare_selections
from pmo_portfolio.logic.periods import group_problems, period_budget_problems
from pmo_portfolio.logic.selection import (
    Candidate,
    FrontierPoint,
    InfeasibleSelection,
    Rules,
    SelectionResult,
    efficient_frontier,
    select_projects,
)
from pmo_portfolio.metrics import SOLVE_SECONDS
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.scenarios import repository
from pmo_portfolio.scenarios.models import Scenario
from pmo_portfolio.scenarios.pool import (
    Pool,
    cents,
    load_pool,
    money,
    rules,
    stored_groups,
    stored_period_budgets,
)
from pmo_portfolio.scenarios.schemas import (
    FrontierPointRead,
    ScenarioComparison,
    ScenarioCreate,
    ScenarioRead,
)

SOLVE_TIME_LIMIT = 20.0


def read(scenario: Scenario) -> ScenarioRead:
    return ScenarioRead.model_validate(scenario)


def _published(scenario: Scenario) -> dict[str, Any]:
    """What `scenario.approved` carries: the scenario beside its result's selection and totals."""
    view = read(scenario)
    return {**view.model_dump(exclude={"result"}, by_alias=True), **view.result.model_dump(by_alias=True)}


# Only an approval is announced (`scenario.approved`); creating a scenario is audited, not published.
SCENARIOS = Aggregate[Scenario]("scenario", read=ScenarioRead.model_validate, source=_published)


def current_month() -> str:
    return month_of(utcnow().date())


async def _capacity(session: AsyncSession) -> dict[tuple[str, str], float]:
    capacity = await capacity_repository.capacity(session)
    if capacity is None:
        raise invalid(
            "respect_capacity",
            "no capacity has been received from the resource service yet (pmo.resource.capacity.changed)",
        )
    return capacity


def _check_limits(body: ScenarioCreate) -> None:
    """A budget or period budgets (or both); periods that end after they start and do not overlap."""
    if body.budget is None and not body.period_budgets:
        raise invalid("budget", "give a budget, period_budgets, or both")
    problems = period_budget_problems([(p.from_, p.to) for p in body.period_budgets])
    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems[:5])
        raise Unprocessable(f"The period budgets are invalid — {summary}", errors=field_errors(problems))


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
    members = {i for g in body.groups for i in g.project_ids}
    in_portfolio = await project_repository.ids_in_portfolio(session, portfolio_id, list(members))
    problems = group_problems(
        [[str(i) for i in g.project_ids] for g in body.groups], {str(i) for i in in_portfolio}
    )
    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems[:5])
        raise Unprocessable(f"The groups are invalid — {summary}", errors=field_errors(problems))


def _result(pool: Pool, result: SelectionResult) -> dict[str, Any]:
    return {
        "selected": result.selected,
        "excluded": [
            {"project_id": e.project_id, "reasons": [pool.name(r) for r in e.reasons]}
            for e in result.excluded
        ],
        "total_value": result.total_value,
        "total_cost": str(money(result.total_cost)),
        "budget_slack": None if result.budget_slack is None else str(money(result.budget_slack)),
        "binding_constraints": [pool.name(b) for b in result.binding_constraints],
        "solver": {"status": result.status, "optimal": result.optimal, "seconds": result.seconds},
        "period_budgets": [
            {
                "from": o.period.first,
                "to": o.period.last,
                "name": o.period.name,
                "amount": str(money(o.period.amount)),
                "cost": str(money(o.cost)),
                "slack": str(money(o.slack)),
            }
            for o in result.periods
        ],
        "cost_by_period": [{"period": m, "cost": str(money(c))} for m, c in result.cost_by_month.items()],
    }


async def create(
    session: AsyncSession, portfolio: Portfolio, body: ScenarioCreate, principal: Principal
) -> Scenario:
    """Solve the scenario (422 naming the conflict when nothing is feasible) and store it with its result."""
    _check_limits(body)
    await _check_ids(session, portfolio.id, body)
    weights = None if body.weights is None else {str(k): v for k, v in body.weights.items()}
    start_period = body.start_period or current_month()
    scenario = Scenario(
        id=uuid.uuid4(),
        portfolio_id=portfolio.id,
        name=body.name,
        budget=body.budget,
        period_budgets=stored_period_budgets(body.period_budgets),
        groups=stored_groups(body.groups),
        start_period=start_period,
        respect_capacity=body.respect_capacity,
        force_in=[str(i) for i in body.force_in],
        force_out=[str(i) for i in body.force_out],
        weights=weights,
        status="proposed",
        created_by=principal.sub,
        approved_projects=[],
    )
    pool = await load_pool(session, portfolio.id, weights, start_period)
    capacity = await _capacity(session) if body.respect_capacity else None
    solve = partial(
        select_projects,
        pool.candidates,
        None if body.budget is None else cents(body.budget),
        capacity,
        time_limit=SOLVE_TIME_LIMIT,
        rules=_rules(scenario),
    )
    try:
        result = await anyio.to_thread.run_sync(solve)
    except InfeasibleSelection as exc:
        raise pool.infeasible(exc) from None
    SOLVE_SECONDS.labels("scenario").observe(result.seconds)
    scenario.result = _result(pool, result)
    scenario.basis = await _basis(session, portfolio.id)
    await SCENARIOS.create(session, scenario, principal, None)
    return scenario


def _rules(scenario: Scenario) -> Rules:
    return rules(
        scenario.force_in,
        scenario.force_out,
        scenario.period_budgets,
        scenario.groups,
        scenario.start_period or current_month(),
    )


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
            f"Selects {len(result['selected'])} projects for {result['total_cost']} within "
            f"{_limits(scenario)} (total value {result['total_value']:g}); moved to approved: "
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


def _limits(scenario: Scenario) -> str:
    """The scenario's money limits in words, for the decision log."""
    parts = [] if scenario.budget is None else [f"the budget of {scenario.budget:.2f}"]
    parts += [
        f"{p['amount']} for {p['from']}..{p['to']}" + (f" ({p['name']})" if p.get("name") else "")
        for p in scenario.period_budgets
    ]
    return " and ".join(parts)


def _frontier(
    candidates: Sequence[Candidate], points: int, capacity: Any, rules: Rules
) -> list[FrontierPoint]:
    started = time.perf_counter()
    problem = rules.problem(candidates, None, capacity)
    total = sum(problem.costs)
    # The least any selection costs: mandatory and committed projects with what they bring along.
    low = problem.required_cost
    budgets = sorted({low + (total - low) * i // (points - 1) for i in range(points)})
    result = efficient_frontier(candidates, budgets, capacity, rules)
    SOLVE_SECONDS.labels("frontier").observe(time.perf_counter() - started)
    return result


async def frontier(
    session: AsyncSession,
    portfolio: Portfolio,
    points: int,
    respect_capacity: bool,
    scenario: Scenario | None = None,
) -> list[FrontierPointRead]:
    """The best value at `points` overall budget levels from the required (mandatory + committed) cost
    to the cost of every candidate; levels that coincide are returned once. With a scenario, under its
    period budgets, groups, forced projects, weights and start period (held fixed; only the overall
    budget varies)."""
    if scenario is None:
        weights, solver_rules = None, Rules(start_period=current_month())
    else:
        weights, solver_rules = scenario.weights, _rules(scenario)
    pool = await load_pool(session, portfolio.id, weights, solver_rules.start_period or current_month())
    capacity = await _capacity(session) if respect_capacity else None
    try:
        result = await anyio.to_thread.run_sync(
            partial(_frontier, pool.candidates, points, capacity, solver_rules)
        )
    except InfeasibleSelection as exc:
        raise pool.infeasible(exc) from None
    return [
        FrontierPointRead(budget=money(p.budget), value=p.value, project_ids=p.project_ids, optimal=p.optimal)
        for p in result
    ]


def _solved(scenario: Scenario, param: str) -> Solved:
    result = scenario.result
    if result.get("cost_by_period") is None:
        raise Conflict(
            f"Scenario {scenario.name!r} (`{param}`) was solved before monthly costs were recorded; "
            "re-solve it (POST a new scenario with the same settings) and compare that one."
        )
    return Solved(
        selected=result["selected"],
        value=float(result["total_value"]),
        cost=cents(Decimal(result["total_cost"])),
        cost_by_month={row["period"]: cents(Decimal(row["cost"])) for row in result["cost_by_period"]},
        binding=list(result["binding_constraints"]),
    )


def compare(a: Scenario, b: Scenario) -> ScenarioComparison:
    """Scenario b against scenario a (the loaders checked both are the portfolio's); a scenario whose
    result has no monthly costs (solved before they were recorded) is a 409."""
    first, second = _solved(a, "a"), _solved(b, "b")
    c = compare_selections(first, second)
    return ScenarioComparison.model_validate(
        {
            "a": a.id,
            "b": b.id,
            "only_in_a": c.only_in_a,
            "only_in_b": c.only_in_b,
            "in_both": c.in_both,
            "value": dict(zip(("a", "b", "delta"), c.value, strict=True)),
            "cost": dict(zip(("a", "b", "delta"), map(money, c.cost), strict=True)),
            "by_period": [{"period": m, "cost_a": money(x), "cost_b": money(y)} for m, x, y in c.by_month],
            "binding_constraints": {"a": c.binding[0], "b": c.binding[1]},
        }
    )

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, set_etag, set_location
from pmo_common.responses import CONFLICT, GET_RESPONSES

from pmo_portfolio.portfolios.dependencies import PortfolioDep
from pmo_portfolio.scenarios import repository, service
from pmo_portfolio.scenarios.dependencies import FrontierScenario, ScenarioA, ScenarioB, ScenarioDep
from pmo_portfolio.scenarios.schemas import (
    MAX_FRONTIER_POINTS,
    FrontierPointRead,
    ScenarioComparison,
    ScenarioCreate,
    ScenarioRead,
)

router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["scenarios"])


@router.post(
    "/scenarios", status_code=status.HTTP_201_CREATED, response_model=ScenarioRead, responses=GET_RESPONSES
)
async def create_scenario(
    body: ScenarioCreate,
    portfolio: PortfolioDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> ScenarioRead:
    """Solves the selection exactly and stores it with its result. Candidates are the portfolio's projects
    in proposal, approved, on_hold and in_progress (in_progress ones are committed and count only their
    cost from `start_period` on); the value maximised is each project's weighted priority score (0–100,
    with `weights` if given). A closed dependency counts as delivered. The limits are `budget` and/or
    `period_budgets` (a project's cost in a period: its cost profile's months in it, else its budget
    linear by day over its dates, an undated one wholly in `start_period`); `groups` tie projects together
    (members that are no longer candidates drop out of a group). Reasons name the binding budget, period
    budget (`period budget 2027-01..2027-12 (FY2027)`) or group (`group 2 (at_most_one)`, numbered from 1).
    No feasible selection is a 422 whose `conflicts` name the contradiction."""
    scenario = await service.create(session, portfolio, body, principal)
    set_etag(response, scenario.version)
    set_location(request, response, "portfolios", portfolio.id, "scenarios", scenario.id)
    return service.read(scenario)


@router.get("/scenarios", response_model=Page[ScenarioRead], responses=GET_RESPONSES)
async def list_scenarios(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[ScenarioRead]:
    rows, next_cursor = await repository.list_page(session, portfolio.id, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/scenarios/compare",
    response_model=ScenarioComparison,
    responses=GET_RESPONSES | CONFLICT,
    summary="Compare two scenarios of the portfolio",
)
async def compare_scenarios(a: ScenarioA, b: ScenarioB, _: Reader) -> ScenarioComparison:
    """Scenario `b` against scenario `a`: the projects only one of them selects and those both select,
    value and cost with `delta` = b − a, the cost month by month (`by_period`, over the months either
    costs in) and each one's binding constraints. An unknown scenario or one of another portfolio is a
    404; one solved before monthly costs were recorded is a 409 (re-solve it)."""
    return service.compare(a, b)


@router.get("/scenarios/{scenario_id}", response_model=ScenarioRead, responses=GET_RESPONSES)
async def get_scenario(scenario: ScenarioDep, response: Response, _: Reader) -> ScenarioRead:
    set_etag(response, scenario.version)
    return service.read(scenario)


@router.post(
    "/scenarios/{scenario_id}/approve", response_model=ScenarioRead, responses=GET_RESPONSES | CONFLICT
)
async def approve_scenario(
    scenario: ScenarioDep, session: SessionDep, response: Response, principal: PortfolioWriter
) -> ScenarioRead:
    """Moves the selected projects still in proposal to approved through gate decisions and publishes
    `pmo.portfolio.scenario.approved`. A second approval is a 409."""
    scenario = await service.approve(session, scenario, principal)
    set_etag(response, scenario.version)
    return service.read(scenario)


@router.get("/frontier", response_model=list[FrontierPointRead], responses=GET_RESPONSES)
async def get_frontier(
    portfolio: PortfolioDep,
    session: SessionDep,
    _: Reader,
    scenario: FrontierScenario,
    points: Annotated[int, Query(ge=2, le=MAX_FRONTIER_POINTS, description="Budget levels, 2–50.")] = 10,
    respect_capacity: bool = False,
) -> list[FrontierPointRead]:
    """The efficient frontier: the best attainable value at `points` budgets evenly spaced from the cost of
    the mandatory and committed projects (with their dependencies) to the cost of all candidates, each
    solved exactly. The budget axis is the overall budget only: with `scenario_id`, that scenario's period
    budgets, groups, forced projects, weights and start period stay fixed, so the curve flattens where a
    period budget binds; budgets at which its at_least_one groups cannot all be met are left out."""
    return await service.frontier(session, portfolio, points, respect_capacity, scenario)

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, set_etag, set_location
from pmo_common.responses import CONFLICT, GET_RESPONSES

from pmo_portfolio.portfolios.dependencies import PortfolioDep
from pmo_portfolio.scenarios import repository, service
from pmo_portfolio.scenarios.dependencies import ScenarioDep
from pmo_portfolio.scenarios.schemas import (
    MAX_FRONTIER_POINTS,
    FrontierPointRead,
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
    in proposal, approved, on_hold and in_progress (in_progress ones are committed); the value maximised
    is each project's weighted priority score (0–100, with `weights` if given). A closed dependency counts
    as delivered. No feasible selection is a 422 whose `conflicts` name the contradiction."""
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
    points: Annotated[int, Query(ge=2, le=MAX_FRONTIER_POINTS, description="Budget levels, 2–50.")] = 10,
    respect_capacity: bool = False,
) -> list[FrontierPointRead]:
    """The efficient frontier: the best attainable value at `points` budgets evenly spaced from the cost of
    the mandatory and committed projects (with their dependencies) to the cost of all candidates."""
    return await service.frontier(session, portfolio, points, respect_capacity)

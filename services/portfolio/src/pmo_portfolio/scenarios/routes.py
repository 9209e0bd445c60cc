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
    FrontierRead,
    ScenarioComparison,
    ScenarioCreate,
    ScenarioRead,
)

router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["scenarios"])


@router.post(
    "/scenarios",
    status_code=status.HTTP_201_CREATED,
    response_model=ScenarioRead,
    responses=GET_RESPONSES,
    summary="Solve and store a scenario",
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
    No feasible selection is a 422 whose `conflicts` name the contradiction.

    `force_in` and `force_out` are projects of the portfolio (never the same one in both), `weights` keys
    criteria of it, and group members projects of it: a 422 naming the field otherwise. A budget, period
    budgets or both are needed (422 naming `budget`); period budgets must not overlap. `respect_capacity`
    needs the capacity the resource service publishes (a 422 naming it before any has arrived). The
    result says what was `selected`, why each other candidate was `excluded` (its `reasons`), the totals,
    which constraints bind, and the solver's status (`optimal` true when proven). A scenario is stored
    as `proposed` and changes nothing until it is approved. Answers 201 with `Location` and `ETag`;
    honours `Idempotency-Key`. Admin and pmo."""
    scenario = await service.create(session, portfolio, body, principal)
    set_etag(response, scenario.version)
    set_location(request, response, "portfolios", portfolio.id, "scenarios", scenario.id)
    return service.read(scenario)


@router.get(
    "/scenarios",
    response_model=Page[ScenarioRead],
    responses=GET_RESPONSES,
    summary="List a portfolio's scenarios",
)
async def list_scenarios(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[ScenarioRead]:
    """Every scenario of the portfolio with its settings and stored result, in creation order, a page at
    a time (`limit`, `cursor`): `proposed`, the one `approved`, and those `superseded` by a later
    approval. A result is what the selection was when it was solved; re-solve (a new scenario) to see
    today's. An unknown portfolio is a 404. Every reader role."""
    rows, next_cursor = await repository.list_page(session, portfolio.id, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/scenarios/compare",
    response_model=ScenarioComparison,
    responses=GET_RESPONSES | CONFLICT,
    summary="Compare two scenarios",
)
async def compare_scenarios(a: ScenarioA, b: ScenarioB, _: Reader) -> ScenarioComparison:
    """Scenario `b` against scenario `a`: the projects only one of them selects and those both select,
    value and cost with `delta` = b − a, the cost month by month (`by_period`, over the months either
    costs in) and each one's binding constraints. An unknown scenario or one of another portfolio is a
    404; one solved before monthly costs were recorded is a 409 (re-solve it). E.g.
    `?a={base case}&b={half-year budgets}`. Every reader role."""
    return service.compare(a, b)


@router.get(
    "/scenarios/{scenario_id}", response_model=ScenarioRead, responses=GET_RESPONSES, summary="Get a scenario"
)
async def get_scenario(scenario: ScenarioDep, response: Response, _: Reader) -> ScenarioRead:
    """The scenario's settings, its result as solved, its `status` and, once approved, who approved it,
    when, and which proposals that moved to approved. A scenario of another portfolio is a 404, as is
    an unknown id. Every reader role."""
    set_etag(response, scenario.version)
    return service.read(scenario)


@router.post(
    "/scenarios/{scenario_id}/approve",
    response_model=ScenarioRead,
    responses=GET_RESPONSES | CONFLICT,
    summary="Approve a scenario",
)
async def approve_scenario(
    scenario: ScenarioDep, session: SessionDep, response: Response, principal: PortfolioWriter
) -> ScenarioRead:
    """Moves the selected projects still in proposal to approved through gate decisions (each logged,
    with its `stage_changed` event and baseline 1; one whose stage needs more approvers stays pending)
    and publishes `pmo.portfolio.scenario.approved`. `approved_projects` lists those that moved. A
    portfolio has one approved scenario: an earlier one becomes `superseded`. The approval is written
    to the decision log (kind `scenario`, the other proposed scenarios as its alternatives). A scenario
    that is not `proposed` is a 409, as is one solved before the portfolio's projects or criteria last
    changed (its result may no longer hold: re-solve it and approve that one). Takes no body; honours
    `Idempotency-Key`. Admin and pmo."""
    scenario = await service.approve(session, scenario, principal)
    set_etag(response, scenario.version)
    return service.read(scenario)


@router.get(
    "/frontier",
    response_model=FrontierRead,
    responses=GET_RESPONSES,
    summary="Compute the efficient frontier",
)
async def get_frontier(
    portfolio: PortfolioDep,
    session: SessionDep,
    _: Reader,
    scenario: FrontierScenario,
    points: Annotated[int, Query(ge=2, le=MAX_FRONTIER_POINTS, description="Budget levels, 2–50.")] = 10,
    respect_capacity: Annotated[
        bool, Query(description="Keep each role's monthly demand within the resource service's capacity.")
    ] = False,
) -> list[FrontierPointRead]:
    """The efficient frontier: the best attainable value at `points` budgets evenly spaced from the cost of
    the mandatory and committed projects (with their dependencies) to the cost of all candidates, each
    solved exactly. The budget axis is the overall budget only: with `scenario_id`, that scenario's period
    budgets, groups, forced projects, weights and start period stay fixed, so the curve flattens where a
    period budget binds; budgets at which its at_least_one groups cannot all be met are left out.
    Budget levels that coincide are returned once. Nothing is stored. `respect_capacity` keeps each
    role's monthly demand within capacity, as for a scenario. Every reader role."""
    return await service.frontier(session, portfolio, points, respect_capacity, scenario)

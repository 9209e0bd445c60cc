"""The breakdown of a portfolio's figures and the dashboard of one programme (contract §7.8)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES

from pmo_reporting.dashboards import breakdown, service
from pmo_reporting.dashboards.cache import cache_of
from pmo_reporting.dashboards.dependencies import DimensionDep, ProgrammeDep, ProgrammePortfolioDep
from pmo_reporting.dashboards.schemas import Breakdown, Dashboard
from pmo_reporting.logic.structure import Scope
from pmo_reporting.readmodels.dependencies import AsOf, PortfolioDep

portfolio_router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["dashboards"])
programme_router = APIRouter(prefix="/programmes/{programme_id}", tags=["dashboards"])


@portfolio_router.get(
    "/breakdown",
    response_model=Breakdown,
    responses=GET_RESPONSES,
    summary="Portfolio figures by stage, programme, manager or custom field",
)
async def portfolio_breakdown(
    portfolio: PortfolioDep, session: SessionDep, request: Request, _: Reader, by: DimensionDep, as_of: AsOf
) -> Response:
    """The dashboard's project count and EVM sums (BAC, PV, EV, AC, EAC, VAC; SPI and CPI of each
    row's sums) as of the date, one row per value of `by` — the stage, the programme's code, the
    manager or a custom field's value, each as it stood on the date — plus a row with `key: null`
    for the projects without one. The rows add up to the dashboard's figures."""
    body = await breakdown.breakdown_json(
        session, portfolio, as_of, by, cache_of(request.app), request.app.state.db
    )
    return Response(body, media_type="application/json")


@programme_router.get(
    "/dashboard",
    response_model=Dashboard,
    responses=GET_RESPONSES,
    summary="The dashboard of one programme's projects",
)
async def programme_dashboard(
    programme: ProgrammeDep,
    portfolio: ProgrammePortfolioDep,
    session: SessionDep,
    request: Request,
    _: Reader,
    as_of: AsOf,
) -> Response:
    """The portfolio dashboard narrowed to the projects in the programme on the date (as
    `GET /portfolios/{portfolio_id}/dashboard?programme_id=`): their figures, risks, actions,
    decisions (and the programme's), benefits (and the programme's) and the roles they use."""
    scope = Scope(programme_id=programme.id)
    cache, db = cache_of(request.app), request.app.state.db
    body = await service.dashboard_json(session, portfolio, as_of, cache, scope, db=db)
    return Response(body, media_type="application/json")

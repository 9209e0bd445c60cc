from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.queries import MonthRange, month_range
from pmo_common.responses import GET_RESPONSES

from pmo_reporting.dashboards import board, service
from pmo_reporting.dashboards.cache import cache_of
from pmo_reporting.dashboards.schemas import Dashboard, KpiSeries
from pmo_reporting.readmodels.dependencies import AsOf, PortfolioDep

router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["dashboards"])

KpiMonths = Annotated[MonthRange, month_range(60)]


@router.get("/dashboard", response_model=Dashboard, responses=GET_RESPONSES)
async def portfolio_dashboard(
    portfolio: PortfolioDep, session: SessionDep, request: Request, _: Reader, as_of: AsOf
) -> Response:
    """Projects by stage and RAG, summed earned value, risks, capacity and what needs attention."""
    body = await service.dashboard_json(session, portfolio, as_of, cache_of(request.app))
    return Response(body, media_type="application/json")


@router.get("/kpis", response_model=KpiSeries, responses=GET_RESPONSES)
async def portfolio_kpis(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, months: KpiMonths
) -> KpiSeries:
    """The dashboard's figures as of each month end, from history."""
    return await service.kpis(session, portfolio, months)


@router.get(
    "/report.csv",
    response_class=Response,
    responses={**GET_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "One row per project."}},
)
async def portfolio_report_csv(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf
) -> Response:
    body = await board.report_csv(session, portfolio, as_of)
    filename = f"portfolio-{portfolio.id}-{as_of.isoformat()}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/report.html",
    response_class=HTMLResponse,
    responses={**GET_RESPONSES, 200: {"content": {"text/html": {}}, "description": "The board report."}},
)
async def portfolio_report_html(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf
) -> HTMLResponse:
    """A one-page board report with the S-curve and the risk heat map as SVG images."""
    return HTMLResponse(await board.report_html(session, portfolio, as_of))

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES

from pmo_reporting.dashboards import board, service
from pmo_reporting.dashboards.cache import cache_of
from pmo_reporting.dashboards.schemas import Dashboard, KpiSeries
from pmo_reporting.logic.periods import today
from pmo_reporting.readmodels.dependencies import PortfolioDep

router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["dashboards"])

AsOf = Annotated[date | None, Query(description="Default: today (UTC).")]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/dashboard", response_model=Dashboard, responses=GET_RESPONSES)
async def portfolio_dashboard(
    portfolio: PortfolioDep, session: SessionDep, request: Request, _: Reader, as_of: AsOf = None
) -> Response:
    """Projects by stage and RAG, summed earned value, risks, capacity and what needs attention."""
    body = await service.dashboard_json(session, portfolio, as_of or today(), cache_of(request.app))
    return Response(body, media_type="application/json")


@router.get("/kpis", response_model=KpiSeries, responses=GET_RESPONSES)
async def portfolio_kpis(
    portfolio: PortfolioDep,
    session: SessionDep,
    _: Reader,
    first: Annotated[str, Query(alias="from", pattern=MONTH, description="First month, YYYY-MM.")],
    last: Annotated[
        str, Query(alias="to", pattern=MONTH, description="Last month, YYYY-MM; at most 60 months.")
    ],
) -> KpiSeries:
    """The dashboard's figures as of each month end, from history."""
    return await service.kpis(session, portfolio, first, last)


@router.get(
    "/report.csv",
    response_class=Response,
    responses={**GET_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "One row per project."}},
)
async def portfolio_report_csv(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf = None
) -> Response:
    as_of = as_of or today()
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
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf = None
) -> HTMLResponse:
    """A one-page board report with the S-curve and the risk heat map as SVG images."""
    return HTMLResponse(await board.report_html(session, portfolio, as_of or today()))

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.queries import MonthRange, month_range
from pmo_common.responses import GET_RESPONSES

from pmo_reporting.boardpack.dependencies import ReportLocale
from pmo_reporting.dashboards import board, service
from pmo_reporting.dashboards.cache import cache_of
from pmo_reporting.dashboards.dependencies import ScopeDep
from pmo_reporting.dashboards.schemas import Dashboard, KpiSeries
from pmo_reporting.readmodels.dependencies import AsOf, PortfolioDep

router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["dashboards"])

KpiMonths = Annotated[MonthRange, month_range(120)]


@router.get(
    "/dashboard",
    response_model=Dashboard,
    responses=GET_RESPONSES,
    summary="A portfolio's dashboard as of a date, optionally narrowed",
)
async def portfolio_dashboard(
    portfolio: PortfolioDep, session: SessionDep, request: Request, _: Reader, as_of: AsOf, scope: ScopeDep
) -> Response:
    """Projects by stage and RAG, summed earned value and forecasts, risks, capacity, benefits and
    what needs attention. `programme_id`, `tag` (repeatable: all must match) and `field.<key>=<value>`
    narrow it to some of the portfolio's projects (as they stood on the date): the other sections
    then cover only theirs (their risks, actions, decisions, benefits and the roles they use)."""
    body = await service.dashboard_json(session, portfolio, as_of, cache_of(request.app), scope)
    return Response(body, media_type="application/json")


@router.get("/kpis", response_model=KpiSeries, responses=GET_RESPONSES)
async def portfolio_kpis(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, months: KpiMonths
) -> KpiSeries:
    """The dashboard's figures as of each month end, from history; up to 120 months (ten years) per
    request, answered in a fixed number of statements however many months it spans."""
    return await service.kpis(session, portfolio, months)


@router.get(
    "/report.csv",
    summary="Export every project's figures as CSV",
    response_class=Response,
    responses={**GET_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "One row per project."}},
)
async def portfolio_report_csv(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf
) -> Response:
    """One row per live project as of the date: its figures (BAC … TCPI, slip, suggested RAG), its
    programme (code), manager, sponsor, the plan in force (`baseline_start`, `baseline_finish`,
    `baseline_cost`), its forecasts (`forecast_finish`, `forecast_cost`: the report's, else the
    project's own finish date and budget), `tags` joined with `;`, and a `field.<key>` column per
    custom field of the portfolio, in definition order."""
    body = await board.report_csv(session, portfolio, as_of)
    filename = f"portfolio-{portfolio.id}-{as_of.isoformat()}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/report.html",
    summary="Read the board report as HTML",
    response_class=HTMLResponse,
    responses={**GET_RESPONSES, 200: {"content": {"text/html": {}}, "description": "The board report."}},
)
async def portfolio_report_html(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf, locale: ReportLocale
) -> HTMLResponse:
    """A one-page board report: headline figures, the S-curve over the whole span of the projects
    and the risk heat map (inline SVG), every project that needs attention, the top risks, every
    overdue action and the recent decisions. Amounts are written for reading in `locale`
    (`44,790,000 EUR`); the page loads nothing from elsewhere."""
    return HTMLResponse(await board.report_html(session, portfolio, as_of, locale))


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/report.xlsx",
    summary="Export the board pack as an Excel workbook",
    response_class=Response,
    responses={
        **GET_RESPONSES,
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "Projects, Risks, Actions, Decisions, KPIs."},
    },
)
async def portfolio_report_xlsx(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf
) -> Response:
    """The workbook as of the date: sheets `Projects` (the CSV's columns), `Risks` (open), `Actions`
    (the register), `Decisions` (the log) and `KPIs` (the year of month ends up to the date). Numbers
    and dates are typed cells, money carries the currency in its number format, the header row is
    frozen."""
    body = await board.report_xlsx(session, portfolio, as_of)
    return _attachment(body, XLSX_MEDIA_TYPE, f"portfolio-{portfolio.id}-{as_of.isoformat()}.xlsx")


@router.get(
    "/report.pdf",
    summary="Export the board report as PDF",
    response_class=Response,
    responses={
        **GET_RESPONSES,
        200: {"content": {"application/pdf": {}}, "description": "The board report."},
    },
)
async def portfolio_report_pdf(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf, locale: ReportLocale
) -> Response:
    """The board report as an A4 landscape PDF (matplotlib's PDF backend): page 1 the summary, the
    S-curve and the heat map, then every project that needs attention, the top risks, every
    overdue action and the recent decisions, continued over as many pages as they need."""
    body = await board.report_pdf(session, portfolio, as_of, locale)
    return _attachment(body, "application/pdf", f"portfolio-{portfolio.id}-{as_of.isoformat()}.pdf")

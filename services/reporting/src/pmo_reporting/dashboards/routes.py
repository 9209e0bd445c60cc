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
AS_OF = (
    "`?as_of=YYYY-MM-DD` (default: today, UTC) is the date the figures are as of: each project as "
    "it stood then, measured from its latest status report on or before it against the baseline then "
    "in force."
)
LOCALE = (
    "`?locale=` (default `en`; any CLDR locale, e.g. `de`, `fr_CH`; an unknown one is a 422 naming "
    "`query.locale`) decides how amounts are written for reading: `44,790,000 EUR` in `en`, "
    "`44.790.000 EUR` in `de`."
)


@router.get(
    "/dashboard",
    response_model=Dashboard,
    responses=GET_RESPONSES,
    summary="A portfolio's dashboard as of a date, optionally narrowed",
    description="Everything a portfolio board looks at, in one answer: projects by stage and RAG, the "
    "summed earned value and forecasts (`evm`), open risks (the ten highest scores in `top`), the "
    "capacity of the month, benefits, actions, the latest decisions and the projects that need "
    "attention (with the reasons, judged by the portfolio's KPI targets). " + AS_OF + "\n\n"
    "`programme_id`, `tag` (repeatable: all must match) and `field.<key>=<value>` narrow it to some of "
    "the portfolio's projects (as they stood on the date): the other sections then cover only theirs "
    "(their risks, actions, decisions, benefits and the roles they use), and `filters` echoes what was "
    "asked. E.g. `GET /reporting/v1/portfolios/{portfolio_id}/dashboard?as_of=2026-11-30&tag=capital"
    "&field.phase=Build`. A programme of another portfolio or an unknown custom field is a 422 naming "
    "the parameter; an unknown portfolio a 404. Every reader role.",
)
async def portfolio_dashboard(
    portfolio: PortfolioDep, session: SessionDep, request: Request, _: Reader, as_of: AsOf, scope: ScopeDep
) -> Response:
    cache, db = cache_of(request.app), request.app.state.db
    body = await service.dashboard_json(session, portfolio, as_of, cache, scope, db=db)
    return Response(body, media_type="application/json")


@router.get(
    "/kpis",
    response_model=KpiSeries,
    responses=GET_RESPONSES,
    summary="A portfolio's KPIs month by month",
    description="The dashboard's headline figures (project counts, `evm`, open and escalated risks "
    "with their EMV) as of the last day of each month from `from` to `to` (`YYYY-MM`, both included; "
    "at most 120 months), oldest first — for trend charts. Each point is what the dashboard answered "
    "`?as_of=` that month end, from history: later reports for earlier dates fill in the past, and a "
    "re-plan never rewrites it. Answered in a fixed number of database statements however many months "
    "it spans. E.g. `GET …/kpis?from=2026-01&to=2026-12`. A `to` before `from` or a "
    "longer span is a 422 naming `query.to`; an unknown portfolio a 404. Every reader role.",
)
async def portfolio_kpis(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, months: KpiMonths
) -> KpiSeries:
    return await service.kpis(session, portfolio, months)


@router.get(
    "/report.csv",
    summary="Export every project's figures as CSV",
    description="A `text/csv` file (UTF-8, comma-separated, CRLF line ends, one header row), "
    "downloaded as `portfolio-{portfolio_id}-{as_of}.csv`: one row per live project as of the date — "
    "its id, code, name, stage, manager, the date and overall RAG of its report in effect, percent "
    "complete, its EVM figures (BAC … TCPI, `schedule_slip_days`, `suggested_rag`), the number of "
    "escalated risks, its programme (code), sponsor, the plan in force (`baseline_start`, "
    "`baseline_finish`, `baseline_cost`), its forecasts (`forecast_finish`, `forecast_cost`: the "
    "report's, else the project's own finish date and budget), `tags` joined with `;`, and a "
    "`field.<key>` column per custom field of the portfolio, in definition order. Money is a plain "
    "decimal (`1200000.00`), dates `YYYY-MM-DD`, an unknown figure an empty cell; text starting with "
    "`=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet does not run it. " + AS_OF + " An "
    "unknown portfolio is a 404. Every reader role.",
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
    summary="Read the board report as HTML",
    description="A self-contained `text/html` page for a board meeting: the headline figures, the "
    "S-curve (PV, EV, AC) over the whole span of the projects and the risk heat map (both inline SVG), "
    "every project that needs attention with its reasons, the top risks, every overdue action and the "
    "recent decisions. It loads nothing from elsewhere (no scripts, fonts or images from another "
    "host), so it can be mailed or archived as it is. " + AS_OF + " " + LOCALE + " An unknown "
    "portfolio is a 404. Every reader role.",
    response_class=HTMLResponse,
    responses={**GET_RESPONSES, 200: {"content": {"text/html": {}}, "description": "The board report."}},
)
async def portfolio_report_html(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf, locale: ReportLocale
) -> HTMLResponse:
    return HTMLResponse(await board.report_html(session, portfolio, as_of, locale))


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/report.xlsx",
    summary="Export the board pack as an Excel workbook",
    description="An Excel workbook (`.xlsx`), downloaded as `portfolio-{portfolio_id}-{as_of}.xlsx`, "
    "with five sheets: `Projects` (the CSV's columns), `Risks` (the open ones), `Actions` (the "
    "register), `Decisions` (the log) and `KPIs` (the eleven month ends before the date's month, then "
    "the date itself). Numbers and "
    "dates are typed cells (they sort and sum), money carries the portfolio's currency in its number "
    "format, and each sheet's header row is frozen. " + AS_OF + " An unknown portfolio is a 404. Every "
    "reader role.",
    response_class=Response,
    responses={
        **GET_RESPONSES,
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "Projects, Risks, Actions, Decisions, KPIs."},
    },
)
async def portfolio_report_xlsx(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf
) -> Response:
    body = await board.report_xlsx(session, portfolio, as_of)
    return _attachment(body, XLSX_MEDIA_TYPE, f"portfolio-{portfolio.id}-{as_of.isoformat()}.xlsx")


@router.get(
    "/report.pdf",
    summary="Export the board report as PDF",
    description="The board report of `report.html` as an A4 landscape PDF, downloaded as "
    "`portfolio-{portfolio_id}-{as_of}.pdf`: page 1 holds the summary, the S-curve and the risk heat "
    "map; then every project that needs attention, the top risks, every overdue action and the recent "
    "decisions, continued over as many pages as they need. " + AS_OF + " " + LOCALE + " An unknown "
    "portfolio is a 404. Every reader role.",
    response_class=Response,
    responses={
        **GET_RESPONSES,
        200: {"content": {"application/pdf": {}}, "description": "The board report."},
    },
)
async def portfolio_report_pdf(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, as_of: AsOf, locale: ReportLocale
) -> Response:
    body = await board.report_pdf(session, portfolio, as_of, locale)
    return _attachment(body, "application/pdf", f"portfolio-{portfolio.id}-{as_of.isoformat()}.pdf")

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import SessionDep, check_if_match, set_etag
from pmo_common.responses import GET_RESPONSES, PUT_RESPONSES

from pmo_reporting.readmodels.dependencies import PortfolioDep
from pmo_reporting.targets import service
from pmo_reporting.targets.dependencies import TargetsDep
from pmo_reporting.targets.schemas import KpiTargetsRead, KpiTargetsWrite

router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["kpi targets"])

RULES = (
    "A figure at or above `green` is green, at or above `amber` amber, else red; for `report_age_days` "
    "(days since the report in effect, counted for projects in progress) at or below. SPI and CPI are "
    "compared at the 4 decimals they are printed with (an SPI of 0.8491 is red under an amber of 0.85 "
    'and the reason reads "SPI 0.8491 below 0.85"). They drive `suggested_rag` (the worst of the '
    "three colours) in new status reports, EVM responses and the dashboard's attention list, and the "
    "attention reasons (a red SPI, CPI or report age)."
)


@router.get(
    "/kpi-targets",
    response_model=KpiTargetsRead,
    responses=GET_RESPONSES,
    summary="A portfolio's KPI targets",
    description="An unknown portfolio is a 404. A portfolio without stored targets gets the defaults — "
    "SPI and CPI green ≥ 0.95, amber ≥ 0.85; report age green ≤ 31 days, amber ≤ 35 — with `version` 0 "
    'and `is_default` true (ETag `"0"`). ' + RULES,
)
async def get_kpi_targets(
    portfolio: PortfolioDep, targets: TargetsDep, response: Response, _: Reader
) -> KpiTargetsRead:
    read = service.read(portfolio.id, targets)
    set_etag(response, read.version)
    return read


@router.put(
    "/kpi-targets",
    response_model=KpiTargetsRead,
    responses=PUT_RESPONSES,
    summary="Set a portfolio's KPI targets",
    description='Admin or pmo. Example: `PUT` with `{"spi": {"green": 0.95, "amber": 0.85}, "cpi": '
    '{"green": 0.97, "amber": 0.9}, "report_age_days": {"green": 31, "amber": 35}}`. Honours `If-Match` '
    'when sent (`"0"` for a portfolio still on the defaults; a stale tag is a 412). A 422 names the '
    "field, e.g. `body.spi.amber` for an amber above green (or `body.report_age_days.amber` for one "
    "below green). Current figures (EVM, dashboards) follow at once; status reports already submitted "
    "keep the suggested RAG they were given. " + RULES,
)
async def put_kpi_targets(
    body: KpiTargetsWrite,
    portfolio: PortfolioDep,
    targets: TargetsDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> KpiTargetsRead:
    check_if_match(request, targets.version if targets else 0, required=False)
    targets = await service.put(session, portfolio.id, targets, body, principal)
    set_etag(response, targets.version)
    return service.read(portfolio.id, targets)

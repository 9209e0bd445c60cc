from __future__ import annotations

from fastapi import APIRouter
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES

from pmo_reporting.evm import service
from pmo_reporting.evm.schemas import EvmRead, EvmSeries
from pmo_reporting.readmodels.dependencies import AsOf, ProjectDep

router = APIRouter(prefix="/projects/{project_id}", tags=["earned value"])


@router.get(
    "/evm",
    response_model=EvmRead,
    responses=GET_RESPONSES,
    summary="A project's earned value as of a date",
    description="PMI earned value as of `?as_of=` (default: today, UTC), from the latest status report "
    "on or before that date, measured against the baseline in force on it — so the figures of a past "
    "date never change with a later re-plan. Read it as: `sv`/`spi` how far behind or ahead of plan "
    "the work is, `cv`/`cpi` whether it costs what it earns, `eac`/`vac` where the cost will land, "
    "`tcpi` the efficiency needed from now on to land on BAC, and `earned_schedule` the schedule in "
    "days (Lipke) rather than money. A figure is null when an input is unknown (no report, no "
    "`actual_cost`) or a denominator is zero.\n\n"
    "E.g. Lipke's example — a ten-month plan, seven months gone, half the value earned: "
    "`earned_schedule.es_days` 150 (month five), `at_days` 210, `spi_t` 0.7143, `sv_t_days` −60, "
    "`ieac_t_date` fourteen months after the start. An unknown project is a 404. Every reader role.",
)
async def project_evm(project: ProjectDep, session: SessionDep, _: Reader, as_of: AsOf) -> EvmRead:
    return await service.evm_as_of(session, project, as_of)


@router.get(
    "/evm/series",
    response_model=EvmSeries,
    responses=GET_RESPONSES,
    summary="A project's monthly earned value (the S-curve)",
    description="One point per month end, oldest first, from the earliest plan start or report to "
    "the latest plan finish or report: plot `pv`, `ev` and `ac` against `month` for the S-curve. Each "
    "point is what `GET /projects/{project_id}/evm?as_of=<that month end>` answers, against the "
    "baseline in force on that day (from a re-baseline on, `bac` and `pv` follow the new plan). Not "
    "paged: the last 240 months at most; `items` is empty for a project with neither dates nor "
    "reports. An unknown project is a 404. Every reader role.",
)
async def project_evm_series(project: ProjectDep, session: SessionDep, _: Reader) -> EvmSeries:
    return await service.evm_series(session, project)

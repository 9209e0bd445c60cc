from __future__ import annotations

from fastapi import APIRouter
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES

from pmo_reporting.evm import service
from pmo_reporting.evm.schemas import EvmRead, EvmSeries
from pmo_reporting.readmodels.dependencies import AsOf, ProjectDep

router = APIRouter(prefix="/projects/{project_id}", tags=["earned value"])


@router.get("/evm", response_model=EvmRead, responses=GET_RESPONSES)
async def project_evm(project: ProjectDep, session: SessionDep, _: Reader, as_of: AsOf) -> EvmRead:
    """Earned value as of a date, from the latest status report on or before it, measured against
    the baseline in force on that date (so the figures of a past date never change with a later
    re-plan), with TCPI, TCPI(EAC) and earned schedule. E.g. Lipke's example — a ten-month plan,
    seven months gone, half the value earned: `earned_schedule.es_days` 150 (month five), `at_days`
    210, `spi_t` 0.7143, `sv_t_days` −60, `ieac_t_date` fourteen months after the start."""
    return await service.evm_as_of(session, project, as_of)


@router.get("/evm/series", response_model=EvmSeries, responses=GET_RESPONSES)
async def project_evm_series(project: ProjectDep, session: SessionDep, _: Reader) -> EvmSeries:
    """Monthly points for the S-curve (PV, EV, AC by month end), each against the baseline in force
    on its date; from the earliest plan start or report to the latest plan finish or report."""
    return await service.evm_series(session, project)

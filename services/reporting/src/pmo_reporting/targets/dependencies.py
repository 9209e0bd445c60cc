from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from pmo_common.http import SessionDep

from pmo_reporting.readmodels.dependencies import PortfolioDep
from pmo_reporting.targets import repository
from pmo_reporting.targets.models import KpiTargets


async def stored_targets(portfolio: PortfolioDep, session: SessionDep) -> KpiTargets | None:
    """The portfolio's stored targets; None while it uses the defaults. An unknown portfolio is a 404."""
    return await repository.get(session, portfolio.id)


TargetsDep = Annotated[KpiTargets | None, Depends(stored_targets)]

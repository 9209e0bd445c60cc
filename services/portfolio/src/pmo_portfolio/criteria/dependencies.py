from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.criteria import repository
from pmo_portfolio.criteria.models import Criterion
from pmo_portfolio.portfolios.dependencies import PortfolioDep


async def valid_criterion(criterion_id: uuid.UUID, portfolio: PortfolioDep, session: SessionDep) -> Criterion:
    criterion = await repository.get(session, criterion_id)
    if criterion is None or criterion.portfolio_id != portfolio.id:
        raise NotFound(f"Portfolio {portfolio.id} has no criterion with id {criterion_id}.")
    return criterion


CriterionDep = Annotated[Criterion, Depends(valid_criterion)]

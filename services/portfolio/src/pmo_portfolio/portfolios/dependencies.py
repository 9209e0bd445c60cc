from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.portfolios import repository
from pmo_portfolio.portfolios.models import Portfolio


async def valid_portfolio(portfolio_id: uuid.UUID, session: SessionDep) -> Portfolio:
    portfolio = await repository.get(session, portfolio_id)
    if portfolio is None:
        raise NotFound(f"No portfolio with id {portfolio_id}.")
    return portfolio


PortfolioDep = Annotated[Portfolio, Depends(valid_portfolio)]

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.portfolios import repository
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.portfolios.schemas import PortfolioRead


async def valid_portfolio(portfolio_id: uuid.UUID, session: SessionDep) -> Portfolio:
    portfolio = await repository.get(session, portfolio_id)
    if portfolio is None:
        raise NotFound(f"No portfolio with id {portfolio_id}.")
    return portfolio


PortfolioDep = Annotated[Portfolio, Depends(valid_portfolio)]


async def portfolio_read(portfolio_id: uuid.UUID, request: Request) -> PortfolioRead:
    """The read model of a portfolio, for routes that only read it: one SELECT on a read
    connection, validated from the row, rather than an ORM object loaded in a session."""
    found = await repository.row(request.app.state.db, portfolio_id)
    if found is None:
        raise NotFound(f"No portfolio with id {portfolio_id}.")
    return PortfolioRead.model_validate(found)


PortfolioReadDep = Annotated[PortfolioRead, Depends(portfolio_read)]

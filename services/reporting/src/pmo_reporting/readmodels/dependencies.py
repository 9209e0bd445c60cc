"""Loaders of the upstream projects and portfolios (404 when reporting has not heard of one), and
the "as of" date every figure is answered for."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_reporting.logic.periods import today
from pmo_reporting.readmodels import repository
from pmo_reporting.readmodels.models import PortfolioView, ProjectView


async def valid_project(project_id: uuid.UUID, session: SessionDep) -> ProjectView:
    project = await repository.get_project(session, project_id)
    if project is None:
        raise NotFound(
            f"No project with id {project_id} is known to reporting (from the portfolio service's events)."
        )
    return project


async def valid_portfolio(portfolio_id: uuid.UUID, request: Request) -> PortfolioView:
    portfolio = await repository.read_portfolio(request.app.state.db, portfolio_id)
    if portfolio is None:
        raise NotFound(
            f"No portfolio with id {portfolio_id} is known to reporting "
            "(from the portfolio service's events)."
        )
    return portfolio


async def as_of_date(
    as_of: Annotated[date | None, Query(description="Default: today (UTC).")] = None,
) -> date:
    return as_of or today()


ProjectDep = Annotated[ProjectView, Depends(valid_project)]
PortfolioDep = Annotated[PortfolioView, Depends(valid_portfolio)]
AsOf = Annotated[date, Depends(as_of_date)]

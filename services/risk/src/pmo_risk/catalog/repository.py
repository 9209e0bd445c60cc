from __future__ import annotations

import uuid

from pmo_common.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.catalog.models import KnownPortfolio, KnownProject


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> KnownProject | None:
    return await session.get(KnownProject, project_id)


async def get_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> KnownPortfolio | None:
    return await session.get(KnownPortfolio, portfolio_id)


async def known_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> KnownPortfolio:
    """The portfolio, or a 404 (also while the portfolio service's event has not arrived yet)."""
    portfolio = await get_portfolio(session, portfolio_id)
    if portfolio is None or portfolio.deleted:
        raise NotFound(f"No portfolio {portfolio_id} is known to the risk service.")
    return portfolio


async def known_project(session: AsyncSession, project_id: uuid.UUID) -> KnownProject:
    project = await get_project(session, project_id)
    if project is None or project.deleted:
        raise NotFound(f"No project {project_id} is known to the risk service.")
    return project

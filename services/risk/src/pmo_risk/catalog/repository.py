from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.catalog.models import KnownPortfolio, KnownProject


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> KnownProject | None:
    return await session.get(KnownProject, project_id)


async def get_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> KnownPortfolio | None:
    return await session.get(KnownPortfolio, portfolio_id)

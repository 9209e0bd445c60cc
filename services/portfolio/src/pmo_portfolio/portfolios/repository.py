from __future__ import annotations

import uuid

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.portfolios.models import Portfolio


async def get(session: AsyncSession, portfolio_id: uuid.UUID) -> Portfolio | None:
    return await session.get(Portfolio, portfolio_id)


async def list_page(
    session: AsyncSession, limit: int, cursor: str | None
) -> tuple[list[Portfolio], str | None]:
    return await paginate(
        session, select(Portfolio), [(Portfolio.created_at, False), (Portfolio.id, False)], limit, cursor
    )

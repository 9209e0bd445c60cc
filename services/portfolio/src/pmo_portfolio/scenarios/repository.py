from __future__ import annotations

import uuid

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.scenarios.models import Scenario


async def get(session: AsyncSession, scenario_id: uuid.UUID) -> Scenario | None:
    return await session.get(Scenario, scenario_id)


async def list_page(
    session: AsyncSession, portfolio_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Scenario], str | None]:
    stmt = select(Scenario).where(Scenario.portfolio_id == portfolio_id)
    return await paginate(session, stmt, [(Scenario.created_at, False), (Scenario.id, False)], limit, cursor)

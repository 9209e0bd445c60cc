from __future__ import annotations

import uuid

from pmo_common.http import Repository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.scenarios.models import Scenario

# Oldest first: a stable order while scenarios are added.
repository = Repository(Scenario, [(Scenario.created_at, False), (Scenario.id, False)])
get = repository.get


async def list_page(
    session: AsyncSession, portfolio_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[Scenario], str | None]:
    return await repository.list_page(
        session, Scenario.portfolio_id == portfolio_id, limit=limit, cursor=cursor
    )


async def approved_in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> list[Scenario]:
    stmt = select(Scenario).where(Scenario.portfolio_id == portfolio_id, Scenario.status == "approved")
    return list((await session.scalars(stmt)).all())


async def in_portfolio_except(
    session: AsyncSession, portfolio_id: uuid.UUID, scenario_id: uuid.UUID
) -> list[Scenario]:
    """The portfolio's other scenarios, oldest first."""
    stmt = (
        select(Scenario)
        .where(Scenario.portfolio_id == portfolio_id, Scenario.id != scenario_id)
        .order_by(Scenario.created_at, Scenario.id)
    )
    return list((await session.scalars(stmt)).all())

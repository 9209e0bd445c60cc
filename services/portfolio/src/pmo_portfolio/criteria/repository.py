from __future__ import annotations

import uuid

from pmo_common.http import Repository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.criteria.models import Criterion

# In the order they were added: the order a portfolio's criteria are shown and weighed in.
repository = Repository(Criterion, [(Criterion.created_at, False), (Criterion.id, False)])
get = repository.get


async def list_page(
    session: AsyncSession, portfolio_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[Criterion], str | None]:
    return await repository.list_page(
        session, Criterion.portfolio_id == portfolio_id, limit=limit, cursor=cursor
    )


async def in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> list[Criterion]:
    stmt = (
        select(Criterion)
        .where(Criterion.portfolio_id == portfolio_id)
        .order_by(Criterion.created_at, Criterion.id)
    )
    return list((await session.scalars(stmt)).all())


async def name_taken(
    session: AsyncSession, portfolio_id: uuid.UUID, name: str, exclude_id: uuid.UUID | None = None
) -> bool:
    stmt = select(Criterion.id).where(Criterion.portfolio_id == portfolio_id, Criterion.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Criterion.id != exclude_id)
    return (await session.scalar(stmt.limit(1))) is not None

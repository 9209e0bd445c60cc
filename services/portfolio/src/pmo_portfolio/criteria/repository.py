from __future__ import annotations

import uuid

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.criteria.models import Criterion


async def get(session: AsyncSession, criterion_id: uuid.UUID) -> Criterion | None:
    return await session.get(Criterion, criterion_id)


async def in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> list[Criterion]:
    stmt = (
        select(Criterion)
        .where(Criterion.portfolio_id == portfolio_id)
        .order_by(Criterion.created_at, Criterion.id)
    )
    return list((await session.scalars(stmt)).all())


async def list_page(
    session: AsyncSession, portfolio_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Criterion], str | None]:
    stmt = select(Criterion).where(Criterion.portfolio_id == portfolio_id)
    return await paginate(
        session, stmt, [(Criterion.created_at, False), (Criterion.id, False)], limit, cursor
    )


async def name_taken(
    session: AsyncSession, portfolio_id: uuid.UUID, name: str, exclude_id: uuid.UUID | None = None
) -> bool:
    stmt = select(Criterion.id).where(Criterion.portfolio_id == portfolio_id, Criterion.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Criterion.id != exclude_id)
    return (await session.scalar(stmt.limit(1))) is not None

"""Every query about programmes."""

from __future__ import annotations

import uuid

from pmo_common.http import Repository
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.programmes.models import Programme
from pmo_portfolio.programmes.schemas import ProgrammeFilters

# Oldest first: a stable order while programmes are added.
repository = Repository(Programme, [(Programme.created_at, False), (Programme.id, False)])
get = repository.get


async def list_page(
    session: AsyncSession, filters: ProgrammeFilters, *, limit: int, cursor: str | None
) -> tuple[list[Programme], str | None]:
    where: list[ColumnElement[bool]] = []
    if filters.portfolio_id is not None:
        where.append(Programme.portfolio_id == filters.portfolio_id)
    return await repository.list_page(session, *where, limit=limit, cursor=cursor)


async def code_taken(
    session: AsyncSession, portfolio_id: uuid.UUID, code: str, exclude_id: uuid.UUID | None = None
) -> bool:
    stmt = select(Programme.id).where(Programme.portfolio_id == portfolio_id, Programme.code == code)
    if exclude_id is not None:
        stmt = stmt.where(Programme.id != exclude_id)
    return (await session.scalar(stmt.limit(1))) is not None


async def count_in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(Programme).where(Programme.portfolio_id == portfolio_id)
    return int(await session.scalar(stmt) or 0)


async def in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID, programme_id: uuid.UUID) -> bool:
    stmt = select(Programme.id).where(Programme.id == programme_id, Programme.portfolio_id == portfolio_id)
    return (await session.scalar(stmt)) is not None

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from pmo_common.http import Repository
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.decisions.models import Decision
from pmo_portfolio.decisions.schemas import DecisionFilters

# Oldest first by when it was decided; entries of one portfolio decided at the same time in the order
# they were recorded.
repository = Repository(
    Decision, [(Decision.decided_at, False), (Decision.sequence, False), (Decision.id, False)]
)
get = repository.get


async def list_page(
    session: AsyncSession, filters: DecisionFilters, *, limit: int, cursor: str | None
) -> tuple[list[Decision], str | None]:
    return await repository.list_page(session, *_where(filters), limit=limit, cursor=cursor)


def _where(filters: DecisionFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for column, value in (
        (Decision.portfolio_id, filters.portfolio_id),
        (Decision.project_id, filters.project_id),
        (Decision.programme_id, filters.programme_id),
        (Decision.kind, filters.kind),
    ):
        if value is not None:
            where.append(column == value)
    if filters.first is not None:
        where.append(Decision.decided_at >= _midnight(filters.first))
    if filters.last is not None:  # the whole of the last day (UTC)
        where.append(Decision.decided_at < _midnight(filters.last + timedelta(days=1)))
    return where


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def last(session: AsyncSession, portfolio_id: uuid.UUID) -> Decision | None:
    """The head of the portfolio's chain (its highest sequence)."""
    stmt = (
        select(Decision)
        .where(Decision.portfolio_id == portfolio_id)
        .order_by(Decision.sequence.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def chain(session: AsyncSession, portfolio_id: uuid.UUID) -> list[Decision]:
    """The portfolio's whole log in sequence order."""
    stmt = select(Decision).where(Decision.portfolio_id == portfolio_id).order_by(Decision.sequence)
    return list((await session.scalars(stmt)).all())


async def in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID, decision_id: uuid.UUID) -> bool:
    stmt = select(Decision.id).where(Decision.portfolio_id == portfolio_id, Decision.id == decision_id)
    return (await session.scalar(stmt.limit(1))) is not None

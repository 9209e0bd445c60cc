from __future__ import annotations

import uuid
from typing import Any

from pmo_common.db import Database
from pmo_common.http import Repository
from sqlalchemy import Row, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.portfolios.models import Portfolio

# Oldest first: a stable order while portfolios are added.
repository = Repository(Portfolio, [(Portfolio.created_at, False), (Portfolio.id, False)])
get = repository.get
list_page = repository.list_page

TABLE: Table = Portfolio.__table__
# Built once: a statement made per call is also cache-keyed per call, before SQLAlchemy finds it compiled.
_BY_ID = select(TABLE).where(TABLE.c.id == bindparam("id"))


async def row(db: Database, portfolio_id: uuid.UUID) -> Row[Any] | None:
    """The stored portfolio as a Core row (the read by id: no ORM object, no session)."""
    return await db.read_one(_BY_ID, {"id": portfolio_id})


async def locked(session: AsyncSession, portfolio_id: uuid.UUID, *, exclusive: bool) -> Portfolio | None:
    """The portfolio as committed now, its row locked until the transaction ends (PostgreSQL; SQLite
    runs one writer at a time anyway). Project writes that check custom field values share the lock;
    a change of the field definitions takes it alone — so neither is checked against the other's
    superseded state, and no project can slip in valid under the old definitions only."""
    stmt = (
        select(Portfolio)
        .where(Portfolio.id == portfolio_id)
        .with_for_update(read=not exclusive)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)

"""Every query on baselines. `in_force` and `exists` are what other parts of the service ask (gate
facts, reports): keep their signatures."""

from __future__ import annotations

import uuid
from datetime import datetime

from pmo_common.http import Repository
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.baselines.models import Baseline

# In number order, which is also the order they came into force.
repository = Repository(Baseline, [(Baseline.number, False), (Baseline.id, False)])
get = repository.get


async def list_page(
    session: AsyncSession, project_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[Baseline], str | None]:
    return await repository.list_page(session, Baseline.project_id == project_id, limit=limit, cursor=cursor)


async def in_force(
    session: AsyncSession, project_id: uuid.UUID, at: datetime | None = None
) -> Baseline | None:
    """The project's baseline in force at `at` (default: now): the latest approved by then. Baseline 1
    also serves times before it was approved (contract §7.3); None when the project has none."""
    stmt = select(Baseline).where(Baseline.project_id == project_id)
    newest_first = (Baseline.approved_at.desc(), Baseline.number.desc())
    if at is None:
        return await session.scalar(stmt.order_by(*newest_first).limit(1))
    found = await session.scalar(stmt.where(Baseline.approved_at <= at).order_by(*newest_first).limit(1))
    if found is not None:
        return found
    return await session.scalar(stmt.order_by(Baseline.number).limit(1))


async def exists(session: AsyncSession, project_id: uuid.UUID) -> bool:
    """Whether the project has a baseline (it has one from its first approval on)."""
    stmt = select(Baseline.id).where(Baseline.project_id == project_id).limit(1)
    return (await session.scalar(stmt)) is not None


async def last_number(session: AsyncSession, project_id: uuid.UUID) -> int:
    """The highest baseline number of the project; 0 before its first."""
    stmt = select(func.max(Baseline.number)).where(Baseline.project_id == project_id)
    return int(await session.scalar(stmt) or 0)

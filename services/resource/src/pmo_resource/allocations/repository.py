from __future__ import annotations

import uuid

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.allocations.models import Allocation


async def get(session: AsyncSession, allocation_id: uuid.UUID) -> Allocation | None:
    return await session.get(Allocation, allocation_id)


async def list_page(
    session: AsyncSession,
    limit: int,
    cursor: str | None,
    *,
    project_id: uuid.UUID | None = None,
    resource_id: uuid.UUID | None = None,
    role: str | None = None,
) -> tuple[list[Allocation], str | None]:
    stmt = select(Allocation)
    if project_id is not None:
        stmt = stmt.where(Allocation.project_id == project_id)
    if resource_id is not None:
        stmt = stmt.where(Allocation.resource_id == resource_id)
    if role is not None:
        stmt = stmt.where(Allocation.role == role)
    return await paginate(
        session, stmt, [(Allocation.created_at, False), (Allocation.id, False)], limit, cursor
    )

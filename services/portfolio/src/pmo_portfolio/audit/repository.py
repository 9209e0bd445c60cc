from __future__ import annotations

import uuid

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.audit.models import AuditEntry


async def list_page(
    session: AsyncSession,
    *,
    entity_type: str | None,
    entity_id: uuid.UUID | None,
    actor: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    stmt = select(AuditEntry)
    if entity_type is not None:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if actor is not None:
        stmt = stmt.where(AuditEntry.actor == actor)
    return await paginate(session, stmt, [(AuditEntry.seq, False)], limit, cursor)

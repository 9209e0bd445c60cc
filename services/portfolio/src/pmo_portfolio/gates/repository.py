from __future__ import annotations

import uuid

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.gates.models import GateDecision


async def list_page(
    session: AsyncSession, project_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[GateDecision], str | None]:
    stmt = select(GateDecision).where(GateDecision.project_id == project_id)
    order = [(GateDecision.project_version, False), (GateDecision.id, False)]
    return await paginate(session, stmt, order, limit, cursor)

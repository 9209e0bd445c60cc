from __future__ import annotations

import uuid
from datetime import datetime

from pmo_common.http import Repository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.gates.models import GateDecision

# The decision log in the order the decisions moved the project.
repository = Repository(GateDecision, [(GateDecision.project_version, False), (GateDecision.id, False)])


async def list_page(
    session: AsyncSession, project_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[GateDecision], str | None]:
    return await repository.list_page(
        session, GateDecision.project_id == project_id, limit=limit, cursor=cursor
    )


async def last_decided_at(session: AsyncSession, project_id: uuid.UUID) -> datetime | None:
    """When the project's latest gate decision was taken; None before any."""
    return await session.scalar(
        select(GateDecision.decided_at)
        .where(GateDecision.project_id == project_id)
        .order_by(GateDecision.project_version.desc())
        .limit(1)
    )

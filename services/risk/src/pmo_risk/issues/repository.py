from __future__ import annotations

import uuid
from typing import Any

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.issues.models import Issue


async def get(session: AsyncSession, issue_id: uuid.UUID) -> Issue | None:
    return await session.get(Issue, issue_id)


async def list_page(
    session: AsyncSession,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> tuple[list[Issue], str | None]:
    stmt = select(Issue)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Issue, name) == value)
    return await paginate(session, stmt, [(Issue.created_at, False), (Issue.id, False)], limit, cursor)

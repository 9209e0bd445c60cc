from __future__ import annotations

from pmo_common.http import Repository
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.issues.models import Issue
from pmo_risk.issues.schemas import IssueFilters

ISSUES = Repository(Issue, [(Issue.created_at, False), (Issue.id, False)])


async def list_page(
    session: AsyncSession, filters: IssueFilters, limit: int, cursor: str | None
) -> tuple[list[Issue], str | None]:
    where = [
        getattr(Issue, name) == value for name, value in filters.model_dump().items() if value is not None
    ]
    return await ISSUES.list_page(session, *where, limit=limit, cursor=cursor)

"""The queries of a Microsoft Project import: a project by the GUID of the file it came from."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from pmo_portfolio.projects.models import Project


async def by_guid(session: AsyncSession, portfolio_id: uuid.UUID, guid: str) -> Project | None:
    stmt = select(Project).where(Project.portfolio_id == portfolio_id, Project.msproject_guid == guid)
    return await session.scalar(stmt)


async def stamp_guid(session: AsyncSession, project: Project, guid: str) -> None:
    """Remember which file a new project came from. The GUID is an import key, not part of the
    project's state (no read model or event carries it), so it is written beside the change path:
    a Core UPDATE that leaves the project's version as its creation made it."""
    stmt = update(Project.__table__).where(Project.__table__.c.id == project.id).values(msproject_guid=guid)
    await session.execute(stmt)
    set_committed_value(project, "msproject_guid", guid)

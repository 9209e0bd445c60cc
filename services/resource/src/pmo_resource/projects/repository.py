from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.projects.models import ProjectRef


async def get_live(session: AsyncSession, project_id: uuid.UUID) -> ProjectRef | None:
    project = await session.get(ProjectRef, project_id)
    return None if project is None or project.deleted else project

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.projects import repository
from pmo_portfolio.projects.models import Project


async def valid_project(project_id: uuid.UUID, session: SessionDep) -> Project:
    project = await repository.get(session, project_id)
    if project is None:
        raise NotFound(f"No project with id {project_id}.")
    return project


ProjectDep = Annotated[Project, Depends(valid_project)]

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.projects import repository, service
from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.schemas import ProjectRead


async def valid_project(project_id: uuid.UUID, session: SessionDep) -> Project:
    project = await repository.get(session, project_id)
    if project is None:
        raise NotFound(f"No project with id {project_id}.")
    return project


ProjectDep = Annotated[Project, Depends(valid_project)]


async def project_read(project_id: uuid.UUID, request: Request) -> ProjectRead:
    """The read model of a project, for routes that only read it: one SELECT on a read connection
    (the project and its baseline in force), rather than an ORM object and its baselines in a session."""
    found = await repository.read_row(request.app.state.db, project_id)
    if found is None:
        raise NotFound(f"No project with id {project_id}.")
    return service.read_from_row(found)


ProjectReadDep = Annotated[ProjectRead, Depends(project_read)]

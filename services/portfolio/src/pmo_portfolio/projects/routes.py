from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import (
    CREATE_RESPONSES,
    DELETE_RESPONSES,
    GET_RESPONSES,
    PATCH_RESPONSES,
    PUT_RESPONSES,
)

from pmo_portfolio.projects import repository, service
from pmo_portfolio.projects.dependencies import ProjectDep
from pmo_portfolio.projects.schemas import ProjectCreate, ProjectFilters, ProjectRead, ProjectUpdate, ScoresIn

router = APIRouter(prefix="/projects", tags=["projects"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProjectRead, responses=CREATE_RESPONSES)
async def create_project(
    body: ProjectCreate, session: SessionDep, request: Request, response: Response, principal: ProjectWriter
) -> ProjectRead:
    """A new project starts in `proposal`. A project manager must name themselves as `manager`."""
    project = await service.create(session, body, principal)
    set_etag(response, project.version)
    set_location(request, response, "projects", project.id)
    return service.read(project)


@router.get("", response_model=Page[ProjectRead])
async def list_projects(
    session: SessionDep,
    _: Reader,
    filters: Annotated[ProjectFilters, Query()],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProjectRead]:
    rows, next_cursor = await repository.list_page(session, filters, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get("/{project_id}", response_model=ProjectRead, responses=GET_RESPONSES)
async def get_project(project: ProjectDep, response: Response, _: Reader) -> ProjectRead:
    set_etag(response, project.version)
    return service.read(project)


@router.patch("/{project_id}", response_model=ProjectRead, responses=PATCH_RESPONSES)
async def update_project(
    body: ProjectUpdate,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> ProjectRead:
    """Changes any field but `stage` (422: the stage changes only through gate decisions)."""
    check_if_match(request, project.version, required=True)
    project = await service.update(session, project, body, principal)
    set_etag(response, project.version)
    return service.read(project)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT, responses=DELETE_RESPONSES)
async def delete_project(
    project: ProjectDep, session: SessionDep, request: Request, principal: ProjectWriter
) -> None:
    """409 while other projects list this one in `depends_on` or `excludes`."""
    check_if_match(request, project.version, required=True)
    await service.delete(session, project, principal)


@router.put("/{project_id}/scores", response_model=ProjectRead, responses=PUT_RESPONSES)
async def put_scores(
    scores: ScoresIn,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> ProjectRead:
    """Replace the project's scores `{criterion_id: score}`; each criterion must belong to the project's
    portfolio and each score lie within its criterion's range. Honours `If-Match` when sent."""
    check_if_match(request, project.version, required=False)
    project = await service.set_scores(session, project, scores, principal)
    set_etag(response, project.version)
    return service.read(project)

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.queries import field_filters
from pmo_common.responses import (
    CREATE_RESPONSES,
    DELETE_RESPONSES,
    GET_RESPONSES,
    PATCH_RESPONSES,
    PUT_RESPONSES,
)

from pmo_portfolio.projects import listing, service
from pmo_portfolio.projects.dependencies import ProjectDep
from pmo_portfolio.projects.schemas import ProjectCreate, ProjectFilters, ProjectRead, ProjectUpdate, ScoresIn

router = APIRouter(prefix="/projects", tags=["projects"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectRead,
    responses=CREATE_RESPONSES,
    summary="Create a project",
)
async def create_project(
    body: ProjectCreate, session: SessionDep, request: Request, response: Response, principal: ProjectWriter
) -> ProjectRead:
    """A new project starts in `proposal`. A project manager must name themselves as `manager`.
    `programme_id` is a programme of the same portfolio or null; `fields` are checked against the
    portfolio's custom field definitions (a 422 names `fields.<key>`); `tags` are trimmed and kept once."""
    project = await service.create(session, body, principal)
    set_etag(response, project.version)
    set_location(request, response, "projects", project.id)
    return service.read(project)


LIST_DESCRIPTION = """Every filter given must hold: `portfolio_id`, `stage`, `q` (text in code or name), `programme_id`,
`manager` (exact `sub`), `tag` (repeatable: a project carries **every** tag given) and
`field.<key>=<value>` for the portfolio's custom fields (needs `portfolio_id`; the value is compared in
the field's type — a number as a number, so `field.cost_centre=4711.0` matches 4711, a date as a date,
text and choices exactly; an unknown key or a value the field cannot hold is a 422 naming
`query.field.<key>`), e.g. `?portfolio_id=…&tag=capital&field.phase=Design&sort=-budget`.

`sort` orders by code, name, budget, start_date, finish_date or stage (`-` first: descending); stage in
lifecycle order (proposal, approved, in_progress, on_hold, closed, cancelled, rejected), code and name by
Unicode code point, ties by id; projects without the date sorted by come last in both directions.
Without `sort`, oldest first. The cursor continues the sort it came from: with another `sort` it is a 422.
"""


@router.get("", response_model=Page[ProjectRead], summary="List projects", description=LIST_DESCRIPTION)
async def list_projects(
    session: SessionDep,
    _: Reader,
    filters: Annotated[ProjectFilters, Query()],
    raw_fields: Annotated[dict[str, str], Depends(field_filters)],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProjectRead]:
    fields = await listing.field_filters(session, filters.portfolio_id, raw_fields)
    rows, next_cursor = await listing.list_page(session, filters, fields, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get("/{project_id}", response_model=ProjectRead, responses=GET_RESPONSES, summary="One project")
async def get_project(project: ProjectDep, response: Response, _: Reader) -> ProjectRead:
    set_etag(response, project.version)
    return service.read(project)


@router.patch(
    "/{project_id}", response_model=ProjectRead, responses=PATCH_RESPONSES, summary="Change a project"
)
async def update_project(
    body: ProjectUpdate,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> ProjectRead:
    """Changes any field but `stage` (422: the stage changes only through gate decisions). `fields` and
    `tags` replace the stored ones as a whole (null clears them) and are checked as on creation."""
    check_if_match(request, project.version, required=True)
    project = await service.update(session, project, body, principal)
    set_etag(response, project.version)
    return service.read(project)


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete a project",
)
async def delete_project(
    project: ProjectDep, session: SessionDep, request: Request, principal: ProjectWriter
) -> None:
    """409 while other projects list this one in `depends_on` or `excludes`."""
    check_if_match(request, project.version, required=True)
    await service.delete(session, project, principal)


@router.put(
    "/{project_id}/scores",
    response_model=ProjectRead,
    responses=PUT_RESPONSES,
    summary="Replace a project's scores",
)
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

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
from pmo_portfolio.projects.dependencies import ProjectDep, ProjectReadDep
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
    """A new project starts in `proposal` (a `stage` other than that is a 422: only gate decisions
    move a project). `code` is unique in the portfolio (409); `budget` is the budget at completion, a
    decimal string; `finish_date` before `start_date` is a 422. `depends_on` and `excludes` name other
    projects of the same portfolio (each once, never both, never itself: a 422 naming the field); the
    selection keeps them (a selected project's dependencies are selected; two that exclude each other
    never both). `cost_profile` spreads the budget by month (it must sum to `budget` within the dates;
    without one, cost is linear by day). `programme_id` is a programme of the same portfolio or null;
    `fields` are checked against the portfolio's custom field definitions (a 422 names `fields.<key>`);
    `tags` are trimmed and kept once. An unknown `portfolio_id` is a 422 naming it.

    Admin and pmo create any project; a project manager creates projects they manage (`manager` must be
    their own `sub`, else 403). Publishes `project.created`; answers 201 with `Location` and `ETag`;
    honours `Idempotency-Key`."""
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

A page at a time (`limit` 1–500, default 50; pass `next_cursor` back as `cursor`). An unknown or repeated
scalar parameter is a 422 naming it. Every reader role.
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
    return Page(items=[service.read_from_row(r) for r in rows], next_cursor=next_cursor)


@router.get("/{project_id}", response_model=ProjectRead, responses=GET_RESPONSES, summary="Get a project")
async def get_project(project: ProjectReadDep, response: Response, _: Reader) -> ProjectRead:
    """The project as it stands: its forecast (`budget`, dates, `cost_profile`) beside the `baseline` in
    force, its `stage` (and `held_from` while on hold), `scores`, custom `fields` and `tags`. The `ETag`
    is what `PATCH`, `DELETE`, `PUT .../scores` and a gate decision send as `If-Match`. An unknown id
    is a 404. Every reader role."""
    set_etag(response, project.version)
    return project


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
    """Changes any field but `stage` (422: the stage changes only through gate decisions); omitting a
    field keeps it. Every rule of creation holds for the result, checked against the stored values: a
    new budget or date must still fit the stored cost profile (send `cost_profile` with it), a new code
    must be free (409). `fields` and `tags` replace the stored ones as a whole (null clears them) and are
    checked as on creation. After approval the budget, dates and cost profile are the forecast: the
    baseline in force stays (`POST .../baselines` re-baselines).

    Needs `If-Match` (428 without, 412 when stale). Admin and pmo change any project; a project manager
    only projects they manage, and names only themselves as `manager` (403). Publishes
    `project.updated` naming the `changed` fields."""
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
    """A 409 while other projects list this one in `depends_on` or `excludes`, naming them: remove
    those references first. Its gate decisions and baselines go with it; its benefits keep their
    `project_id` (benefits outlive the projects meant to deliver them). Needs `If-Match` (428 without,
    412 when stale). Admin and pmo, or the project's manager. Publishes `project.deleted`."""
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
    """Replaces the project's scores as a whole, `{criterion_id: score}`: a criterion left out is
    unscored (it contributes 0 to the weighted score) and `{}` clears them all. Each criterion must be
    one of the project's portfolio and each score lie within its criterion's `min_score`..`max_score`:
    otherwise a 422 naming `body.<criterion_id>`. Honours `If-Match` when sent (412 when stale).
    Admin and pmo, or the project's manager. Publishes `project.updated` naming `scores`; the
    ranking and new scenarios use them at once."""
    check_if_match(request, project.version, required=False)
    project = await service.set_scores(session, project, scores, principal)
    set_etag(response, project.version)
    return service.read(project)

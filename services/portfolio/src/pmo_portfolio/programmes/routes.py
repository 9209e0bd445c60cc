"""Programmes (contract §7.2): `/programmes`. Thin: rules live in `programmes.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, DELETE_RESPONSES, GET_RESPONSES, PATCH_RESPONSES

from pmo_portfolio.programmes import repository, service
from pmo_portfolio.programmes.dependencies import ProgrammeDep
from pmo_portfolio.programmes.schemas import ProgrammeCreate, ProgrammeFilters, ProgrammeRead, ProgrammeUpdate

router = APIRouter(prefix="/programmes", tags=["programmes"])

WRITERS = "Written by admin and pmo; read by every reader role."


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgrammeRead,
    responses=CREATE_RESPONSES,
    summary="Create a programme",
    description=(
        "A programme groups related projects of one portfolio (a project joins it with `programme_id`), "
        'e.g. `{"portfolio_id": "…", "code": "CUSTOMER", "name": "Customer platform", "owner": "olga"}`. '
        "`code` is unique per portfolio (409 naming `code`); an unknown `portfolio_id` is a 422 naming it. "
        "Publishes `programme.created`; answers 201 with `Location` and `ETag`; honours `Idempotency-Key`. "
        f"{WRITERS}"
    ),
)
async def create_programme(
    body: ProgrammeCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> ProgrammeRead:
    programme = await service.create(session, body, principal)
    set_etag(response, programme.version)
    set_location(request, response, "programmes", programme.id)
    return service.read(programme)


@router.get(
    "",
    response_model=Page[ProgrammeRead],
    summary="List programmes",
    description="Oldest first, a page at a time (`limit`, `cursor`); `?portfolio_id=` for one portfolio's. "
    "An unknown query parameter is a 422 naming it. Every reader role.",
)
async def list_programmes(
    session: SessionDep,
    _: Reader,
    filters: Annotated[ProgrammeFilters, Query()],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProgrammeRead]:
    rows, next_cursor = await repository.list_page(session, filters, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{programme_id}",
    response_model=ProgrammeRead,
    responses=GET_RESPONSES,
    summary="Get a programme",
    description="The programme with its `ETag` (what `PATCH` and `DELETE` send as `If-Match`); an unknown "
    "id is a 404. Its projects: `GET /projects?programme_id=…`; its benefits: `GET /benefits?programme_id=…`. "
    "Every reader role.",
)
async def get_programme(programme: ProgrammeDep, response: Response, _: Reader) -> ProgrammeRead:
    set_etag(response, programme.version)
    return service.read(programme)


@router.patch(
    "/{programme_id}",
    response_model=ProgrammeRead,
    responses=PATCH_RESPONSES,
    summary="Change a programme",
    description=(
        "Any of `code`, `name`, `description`, `owner` (`portfolio_id` is fixed); omitting a field keeps "
        "it, `null` clears `owner` and is a 422 for the others. Needs `If-Match` (428 without, 412 when "
        "stale). A code already used in the portfolio is a 409 naming `code`. Publishes `programme.updated` "
        f"naming the `changed` fields. {WRITERS}"
    ),
)
async def update_programme(
    body: ProgrammeUpdate,
    programme: ProgrammeDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> ProgrammeRead:
    check_if_match(request, programme.version, required=True)
    programme = await service.update(session, programme, body, principal)
    set_etag(response, programme.version)
    return service.read(programme)


@router.delete(
    "/{programme_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete a programme",
    description=(
        "Needs `If-Match` (428 without, 412 when stale). A 409 while projects belong to it, saying how "
        "many: move them first "
        "(`PATCH /projects/{id}` with another `programme_id` or `null`). Publishes `programme.deleted` "
        f"(`deleted: true`). {WRITERS}"
    ),
)
async def delete_programme(
    programme: ProgrammeDep, session: SessionDep, request: Request, principal: PortfolioWriter
) -> None:
    check_if_match(request, programme.version, required=True)
    await service.delete(session, programme, principal)

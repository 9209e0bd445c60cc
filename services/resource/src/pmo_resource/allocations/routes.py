from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, DELETE_RESPONSES, PATCH_RESPONSES

from pmo_resource.access import AllocationWriter
from pmo_resource.allocations import service
from pmo_resource.allocations.dependencies import AllocationDep
from pmo_resource.allocations.schemas import AllocationCreate, AllocationRead, AllocationUpdate

router = APIRouter(prefix="/allocations", tags=["allocations"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AllocationRead,
    responses=CREATE_RESPONSES,
    summary="Allocate a person or a role to a project",
)
async def create_allocation(
    body: AllocationCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: AllocationWriter,
) -> AllocationRead:
    """Hours per month from `start_period` to `end_period` (at most 120 months) on a project known from
    the portfolio service's events (an unknown one is a 422 naming `project_id`). With `resource_id` a
    person is booked (the role defaults to theirs); without one it is demand for a `role`, not yet
    staffed. Publishes the project's `demand.changed`, and `overallocation.detected` for a person booked
    beyond capacity. Resource managers, admins and the PMO allocate to any project; a project manager
    only to the projects they manage. Answers 201 with `Location` and `ETag`; honours
    `Idempotency-Key`."""
    allocation = await service.create(session, body, principal)
    set_etag(response, allocation.version)
    set_location(request, response, "allocations", allocation.id)
    return allocation


@router.get("", response_model=Page[AllocationRead], summary="List allocations")
async def list_allocations(
    session: SessionDep,
    _: Reader,
    project_id: uuid.UUID | None = None,
    resource_id: uuid.UUID | None = None,
    role: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AllocationRead]:
    """Allocations in creation order, a page at a time (`limit`, `cursor`). Filters combine with AND:
    `project_id`, `resource_id`, `role`. Every reader role."""
    return await service.list_page(
        session, project_id=project_id, resource_id=resource_id, role=role, limit=limit, cursor=cursor
    )


@router.get(
    "/{allocation_id}",
    response_model=AllocationRead,
    responses={404: DELETE_RESPONSES[404]},
    summary="Get an allocation",
)
async def get_allocation(allocation: AllocationDep, response: Response, _: Reader) -> AllocationRead:
    """The allocation with its `ETag`. An unknown id is a 404. Every reader role."""
    set_etag(response, allocation.version)
    return AllocationRead.model_validate(allocation)


@router.patch(
    "/{allocation_id}",
    response_model=AllocationRead,
    responses=PATCH_RESPONSES,
    summary="Change an allocation",
)
async def update_allocation(
    body: AllocationUpdate,
    allocation: AllocationDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: AllocationWriter,
) -> AllocationRead:
    """Any subset of the fields (`project_id` is fixed); a new `resource_id` brings that person's role
    unless `role` is given, and clearing `resource_id` turns the booking back into role demand. Needs
    `If-Match` (428 without, 412 when stale). Publishes `demand.changed` and re-checks the months it
    touches for over-allocation. Same rights as creating it."""
    check_if_match(request, allocation.version, required=True)
    updated = await service.update(session, allocation, body, principal)
    set_etag(response, updated.version)
    return updated


@router.delete(
    "/{allocation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete an allocation",
)
async def delete_allocation(
    allocation: AllocationDep, session: SessionDep, request: Request, principal: AllocationWriter
) -> None:
    """Needs `If-Match`. Publishes the project's `demand.changed`. Resource managers, admins and the PMO
    delete any allocation; a project manager only those of the projects they manage."""
    check_if_match(request, allocation.version, required=True)
    await service.delete(session, allocation, principal)

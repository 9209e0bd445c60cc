from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, DELETE_RESPONSES, GET_RESPONSES, PATCH_RESPONSES

from pmo_resource.access import IntegrationReader, Manager
from pmo_resource.resources import service
from pmo_resource.resources.dependencies import ResourceDep
from pmo_resource.resources.schemas import ResourceCreate, ResourceRead, ResourceUpdate

router = APIRouter(prefix="/resources", tags=["resources"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ResourceRead,
    responses=CREATE_RESPONSES,
    summary="Add a person",
)
async def create_resource(
    body: ResourceCreate, session: SessionDep, request: Request, response: Response, principal: Manager
) -> ResourceRead:
    """A person who can be allocated to projects, keyed by the HR system's `external_id` (a duplicate is
    a 409; bulk loads from HR go through `POST /imports/resources`). Publishes `resource.upserted`, and
    `capacity.changed` when an active person changes the role × month capacity. Admin, pmo or
    resource_manager. Answers 201 with `Location` and `ETag`; honours `Idempotency-Key`."""
    resource = await service.create(session, body, principal)
    set_etag(response, resource.version)
    set_location(request, response, "resources", resource.id)
    return resource


@router.get("", response_model=Page[ResourceRead], summary="List people")
async def list_resources(
    session: SessionDep,
    principal: IntegrationReader,
    role: Annotated[str | None, Query(max_length=100)] = None,
    skill: Annotated[
        str | None, Query(max_length=100, description="People having this skill (any case).")
    ] = None,
    org_unit: Annotated[str | None, Query(max_length=100)] = None,
    active: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ResourceRead]:
    """People in creation order, a page at a time (`limit`, `cursor`). Filters combine with AND: `role`,
    `skill` (any case), `org_unit`, `active`. Every reader role and integration keys; `cost_rate` is
    null unless the caller is admin, pmo or resource_manager."""
    return await service.list_page(
        session,
        principal,
        role=role,
        skill=skill,
        org_unit=org_unit,
        active=active,
        limit=limit,
        cursor=cursor,
    )


@router.get("/{resource_id}", response_model=ResourceRead, responses=GET_RESPONSES, summary="Get a person")
async def get_resource(
    resource: ResourceDep, response: Response, principal: IntegrationReader
) -> ResourceRead:
    """The person with their `ETag`. An unknown id is a 404. Every reader role and integration keys;
    `cost_rate` is null unless the caller is admin, pmo or resource_manager."""
    set_etag(response, resource.version)
    return service.read(resource, principal)


@router.patch(
    "/{resource_id}", response_model=ResourceRead, responses=PATCH_RESPONSES, summary="Change a person"
)
async def update_resource(
    body: ResourceUpdate,
    resource: ResourceDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Manager,
) -> ResourceRead:
    """Any subset of the fields; `external_id`, `name`, `role`, `skills`, `fte`, `hours_per_week` and
    `active` may not be null (a 422 naming the field), and a taken `external_id` is a 409. Needs
    `If-Match` (428 without, 412 when stale). Publishes `resource.upserted`, and `capacity.changed` /
    `overallocation.detected` when capacity moves. `active: false` keeps the person and their history
    but takes them out of capacity. Admin, pmo or resource_manager."""
    check_if_match(request, resource.version, required=True)
    updated = await service.update(session, resource, body, principal)
    set_etag(response, updated.version)
    return updated


@router.delete(
    "/{resource_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete a person",
)
async def delete_resource(
    resource: ResourceDep, session: SessionDep, request: Request, principal: Manager
) -> None:
    """Deletes a person without allocations (one with allocations is a 409: delete or reassign them,
    or set `active: false`). Needs `If-Match`. Publishes `resource.deleted`. Admin, pmo or
    resource_manager."""
    check_if_match(request, resource.version, required=True)
    await service.delete(session, resource, principal)

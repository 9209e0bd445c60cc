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


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ResourceRead, responses=CREATE_RESPONSES)
async def create_resource(
    body: ResourceCreate, session: SessionDep, request: Request, response: Response, principal: Manager
) -> ResourceRead:
    resource = await service.create(session, body, principal)
    set_etag(response, resource.version)
    set_location(request, response, "resources", resource.id)
    return resource


@router.get("", response_model=Page[ResourceRead])
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


@router.get("/{resource_id}", response_model=ResourceRead, responses=GET_RESPONSES)
async def get_resource(
    resource: ResourceDep, response: Response, principal: IntegrationReader
) -> ResourceRead:
    set_etag(response, resource.version)
    return service.read(resource, principal)


@router.patch("/{resource_id}", response_model=ResourceRead, responses=PATCH_RESPONSES)
async def update_resource(
    body: ResourceUpdate,
    resource: ResourceDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Manager,
) -> ResourceRead:
    check_if_match(request, resource.version, required=True)
    updated = await service.update(session, resource, body, principal)
    set_etag(response, updated.version)
    return updated


@router.delete("/{resource_id}", status_code=status.HTTP_204_NO_CONTENT, responses=DELETE_RESPONSES)
async def delete_resource(
    resource: ResourceDep, session: SessionDep, request: Request, principal: Manager
) -> None:
    check_if_match(request, resource.version, required=True)
    await service.delete(session, resource, principal)

"""Resource (person) rules. Never commits: the request's session is the transaction boundary."""

from __future__ import annotations

from pmo_common.contracts.events import ResourceData, ResourceDeleted, ResourceUpserted
from pmo_common.errors import Conflict, invalid
from pmo_common.events.outbox import emit
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.capacity.service import publish_capacity_if_changed, refresh_overallocations
from pmo_resource.resources import repository
from pmo_resource.resources.models import Resource
from pmo_resource.resources.schemas import NOT_NULL_FIELDS, ResourceCreate, ResourceUpdate

# Fields that change the role × month capacity table, and those that change a person's capacity.
CAPACITY_FIELDS = frozenset({"role", "fte", "hours_per_week", "active"})
PERSONAL_CAPACITY_FIELDS = frozenset({"fte", "hours_per_week", "active"})


def event_data(resource: Resource, changed: list[str], *, deleted: bool = False) -> ResourceData:
    return ResourceData(
        id=resource.id,
        version=resource.version,
        changed=changed,
        external_id=resource.external_id,
        name=resource.name,
        role=resource.role,
        skills=list(resource.skills),
        org_unit=resource.org_unit,
        fte=resource.fte,
        hours_per_week=resource.hours_per_week,
        active=resource.active,
        deleted=deleted,
    )


async def _ensure_external_id_free(
    session: AsyncSession, resource: Resource | None, external_id: str
) -> None:
    other = resource.id if resource is not None else None
    if await repository.external_id_taken(session, external_id, other_than=other):
        raise Conflict(f"A resource with external_id {external_id!r} already exists.")


async def create(session: AsyncSession, body: ResourceCreate) -> Resource:
    await _ensure_external_id_free(session, None, body.external_id)
    resource = Resource(**body.model_dump())
    session.add(resource)
    await session.flush()
    await emit(session, ResourceUpserted, event_data(resource, sorted(body.model_fields_set)))
    if resource.active:
        await publish_capacity_if_changed(session)
    return resource


async def update(session: AsyncSession, resource: Resource, body: ResourceUpdate) -> Resource:
    changes = body.model_dump(exclude_unset=True)
    for name in NOT_NULL_FIELDS:
        if name in changes and changes[name] is None:
            raise invalid(name, "may not be null")
    changed = sorted(k for k, v in changes.items() if getattr(resource, k) != v)
    if not changed:
        return resource
    if "external_id" in changed:
        await _ensure_external_id_free(session, resource, changes["external_id"])
    for key in changed:
        setattr(resource, key, changes[key])
    await session.flush()
    await emit(session, ResourceUpserted, event_data(resource, changed))
    if CAPACITY_FIELDS.intersection(changed):
        await publish_capacity_if_changed(session)
    if PERSONAL_CAPACITY_FIELDS.intersection(changed):
        await refresh_overallocations(session, [resource.id])
    return resource


async def delete(session: AsyncSession, resource: Resource) -> None:
    if await repository.has_allocations(session, resource.id):
        raise Conflict(
            "This resource still has allocations; delete or reassign them first (or set active=false)."
        )
    data = event_data(resource, [], deleted=True)
    data.version = resource.version + 1
    was_active = resource.active
    await session.delete(resource)
    await session.flush()
    await emit(session, ResourceDeleted, data)
    if was_active:
        await publish_capacity_if_changed(session)

"""Resource (person) rules, and who reads what of a person. Never commits: the request's session
is the transaction boundary."""

from __future__ import annotations

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ResourceDeleted, ResourceUpserted
from pmo_common.errors import Conflict, invalid
from pmo_common.http import Page
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.access import sees_cost_rate
from pmo_resource.capacity.service import publish_capacity_if_changed, refresh_overallocations
from pmo_resource.resources import repository
from pmo_resource.resources.models import Resource
from pmo_resource.resources.schemas import NOT_NULL_FIELDS, ResourceCreate, ResourceRead, ResourceUpdate

# Fields that change the role × month capacity table, and those that change a person's capacity.
CAPACITY_FIELDS = frozenset({"role", "fte", "hours_per_week", "active"})
PERSONAL_CAPACITY_FIELDS = frozenset({"fte", "hours_per_week", "active"})


def _redacted(resource: Resource) -> ResourceRead:
    return ResourceRead.model_validate(resource).model_copy(update={"cost_rate": None})


def read(resource: Resource, principal: Principal) -> ResourceRead:
    """A person as `principal` may see them: `cost_rate` is null unless they may read it."""
    return ResourceRead.model_validate(resource) if sees_cost_rate(principal) else _redacted(resource)


# Every reader may list the audit trail, so it records a person as anyone may see them: a change
# of cost rate alone is an entry (who, when, which version) without the figures.
RESOURCES = Aggregate("resource", read=_redacted)


async def list_page(
    session: AsyncSession,
    principal: Principal,
    *,
    role: str | None,
    skill: str | None,
    org_unit: str | None,
    active: bool | None,
    limit: int,
    cursor: str | None,
) -> Page[ResourceRead]:
    where = repository.matching(role=role, skill=skill, org_unit=org_unit, active=active)
    rows, next_cursor = await repository.resources.list_page(session, *where, limit=limit, cursor=cursor)
    return Page(items=[read(r, principal) for r in rows], next_cursor=next_cursor)


async def _ensure_external_id_free(
    session: AsyncSession, resource: Resource | None, external_id: str
) -> None:
    other = resource.id if resource is not None else None
    if await repository.external_id_taken(session, external_id, other_than=other):
        raise Conflict(f"A resource with external_id {external_id!r} already exists.")


async def create(session: AsyncSession, body: ResourceCreate, principal: Principal) -> ResourceRead:
    await _ensure_external_id_free(session, None, body.external_id)
    resource = Resource(**body.model_dump())
    await RESOURCES.create(
        session, resource, principal, ResourceUpserted, changed=sorted(body.model_fields_set)
    )
    if resource.active:
        await publish_capacity_if_changed(session)
    return read(resource, principal)


async def update(
    session: AsyncSession, resource: Resource, body: ResourceUpdate, principal: Principal
) -> ResourceRead:
    changes = body.model_dump(exclude_unset=True)
    for name in NOT_NULL_FIELDS:
        if name in changes and changes[name] is None:
            raise invalid(name, "may not be null")
    if changes.get("external_id", resource.external_id) != resource.external_id:
        await _ensure_external_id_free(session, resource, changes["external_id"])
    changed = await RESOURCES.update(session, resource, principal, changes, ResourceUpserted)
    if CAPACITY_FIELDS.intersection(changed):
        await publish_capacity_if_changed(session)
    if PERSONAL_CAPACITY_FIELDS.intersection(changed):
        await refresh_overallocations(session, [resource.id])
    return read(resource, principal)


async def delete(session: AsyncSession, resource: Resource, principal: Principal) -> None:
    if await repository.has_allocations(session, resource.id):
        raise Conflict(
            "This resource still has allocations; delete or reassign them first (or set active=false)."
        )
    was_active = resource.active
    await RESOURCES.delete(session, resource, principal, ResourceDeleted)
    if was_active:
        await publish_capacity_if_changed(session)

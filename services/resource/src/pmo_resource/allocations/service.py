"""Allocation rules: known projects and people, ordered and bounded periods, who may write, and
the demand and over-allocation events that follow. Never commits.

An allocation has no event of its own in the contract: what others learn of it is derived (the
project's `demand.changed`, a person's `overallocation.detected`), so it changes through the
change path unpublished — flushed, versioned and audited."""

from __future__ import annotations

import uuid
from typing import Any

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.changes import Aggregate
from pmo_common.errors import invalid
from pmo_common.http import Page
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.access import manages_resources
from pmo_resource.allocations import repository
from pmo_resource.allocations.models import Allocation
from pmo_resource.allocations.schemas import AllocationCreate, AllocationRead, AllocationUpdate
from pmo_resource.capacity.service import publish_demand, refresh_overallocations
from pmo_resource.logic.capacity import span_months
from pmo_resource.projects.models import ProjectRef
from pmo_resource.projects.repository import get_live
from pmo_resource.resources.models import Resource
from pmo_resource.types import MAX_ALLOCATION_MONTHS

ALLOCATIONS = Aggregate("allocation", read=AllocationRead.model_validate)
NOT_NULL_FIELDS = ("start_period", "end_period", "hours_per_period", "kind")


async def list_page(
    session: AsyncSession,
    *,
    project_id: uuid.UUID | None,
    resource_id: uuid.UUID | None,
    role: str | None,
    limit: int,
    cursor: str | None,
) -> Page[AllocationRead]:
    where = repository.matching(project_id=project_id, resource_id=resource_id, role=role)
    rows, next_cursor = await repository.allocations.list_page(session, *where, limit=limit, cursor=cursor)
    return Page(items=[AllocationRead.model_validate(r) for r in rows], next_cursor=next_cursor)


async def _project(session: AsyncSession, project_id: uuid.UUID) -> ProjectRef:
    project = await get_live(session, project_id)
    if project is None:
        raise invalid(
            "project_id", f"no project {project_id} is known (projects come from the portfolio service)"
        )
    return project


def _authorize(principal: Principal, project: ProjectRef | None) -> None:
    if manages_resources(principal):
        return
    ensure_can_write_project(principal, project.manager if project else None, what="allocation")


async def _resource(session: AsyncSession, resource_id: uuid.UUID) -> Resource:
    resource = await session.get(Resource, resource_id)
    if resource is None:
        raise invalid("resource_id", f"no resource {resource_id}")
    return resource


def _check_periods(start: str, end: str) -> None:
    if end < start:
        raise invalid("end_period", "must not be before start_period")
    if span_months(start, end) > MAX_ALLOCATION_MONTHS:
        raise invalid("end_period", f"an allocation spans at most {MAX_ALLOCATION_MONTHS} months")


async def _after_change(session: AsyncSession, allocations: list[dict[str, Any]]) -> None:
    """Publish the projects' demand and re-check the people's months the change touched."""
    await publish_demand(session, {a["project_id"] for a in allocations})
    people = {a["resource_id"] for a in allocations if a["resource_id"] is not None}
    if people:
        first = min(a["start_period"] for a in allocations)
        last = max(a["end_period"] for a in allocations)
        await refresh_overallocations(session, people, first, last)


def _snapshot(allocation: Allocation) -> dict[str, Any]:
    return {k: getattr(allocation, k) for k in ("project_id", "resource_id", "start_period", "end_period")}


async def create(session: AsyncSession, body: AllocationCreate, principal: Principal) -> AllocationRead:
    project = await _project(session, body.project_id)
    _authorize(principal, project)
    role = body.role
    if body.resource_id is not None:
        resource = await _resource(session, body.resource_id)
        role = role or resource.role
    if role is None:
        raise invalid("role", "is required for an allocation without a resource_id")
    _check_periods(body.start_period, body.end_period)
    allocation = Allocation(**body.model_dump(exclude={"role"}), role=role, created_by=principal.sub)
    await ALLOCATIONS.create(session, allocation, principal, None)
    await _after_change(session, [_snapshot(allocation)])
    return AllocationRead.model_validate(allocation)


async def _resolved_changes(
    session: AsyncSession, allocation: Allocation, body: AllocationUpdate
) -> dict[str, Any]:
    """The PATCH's values, checked: a new person brings their role unless one is given, and a
    cleared role falls back to the person's."""
    changes = body.model_dump(exclude_unset=True)
    for name in NOT_NULL_FIELDS:
        if name in changes and changes[name] is None:
            raise invalid(name, "may not be null")
    if changes.get("resource_id") is not None and changes["resource_id"] != allocation.resource_id:
        resource = await _resource(session, changes["resource_id"])
        changes.setdefault("role", resource.role)
    if "role" in changes and changes["role"] is None:
        resource_id = changes.get("resource_id", allocation.resource_id)
        if resource_id is None:
            raise invalid("role", "is required for an allocation without a resource_id")
        changes["role"] = (await _resource(session, resource_id)).role
    _check_periods(
        changes.get("start_period", allocation.start_period), changes.get("end_period", allocation.end_period)
    )
    return changes


async def update(
    session: AsyncSession, allocation: Allocation, body: AllocationUpdate, principal: Principal
) -> AllocationRead:
    _authorize(principal, await get_live(session, allocation.project_id))
    changes = await _resolved_changes(session, allocation, body)
    before = _snapshot(allocation)
    if await ALLOCATIONS.update(session, allocation, principal, changes, None):
        await _after_change(session, [before, _snapshot(allocation)])
    return AllocationRead.model_validate(allocation)


async def delete(session: AsyncSession, allocation: Allocation, principal: Principal) -> None:
    _authorize(principal, await get_live(session, allocation.project_id))
    before = _snapshot(allocation)
    await ALLOCATIONS.delete(session, allocation, principal, None)
    await _after_change(session, [before])

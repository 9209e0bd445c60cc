"""Importing a Microsoft Project plan into the resource service: its work resources become people
(upserted by `external_id`), its assignments the project's allocations (hours per month per
person; work nobody is assigned to is role demand). A re-import of the same file replaces the
allocations the earlier imports of it made for the project — and changes nothing when the file is
the same. People and allocations change through their aggregates (audit trail, `resource.upserted`),
then the project's demand and the people's over-allocations are published once. Never commits: the
import is the request's one transaction, so nothing of it is half-applied."""

from __future__ import annotations

import uuid
from typing import Any

from pmo_common import mspdi
from pmo_common.auth import Principal
from pmo_common.contracts.events import ResourceUpserted
from pmo_common.errors import invalid
from pmo_common.mspdi.upload import file_error
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.allocations.models import Allocation
from pmo_resource.allocations.service import ALLOCATIONS
from pmo_resource.capacity.service import publish_capacity_if_changed, publish_demand, refresh_overallocations
from pmo_resource.imports import msproject_plan as plan_of
from pmo_resource.imports.msproject_plan import UNASSIGNED_ROLE, Demand, Person
from pmo_resource.imports.msproject_schemas import (
    Counts,
    ImportedAllocation,
    ImportedPerson,
    MsProjectOptions,
    MsProjectPeopleImport,
)
from pmo_resource.projects.repository import get_live
from pmo_resource.resources.models import Resource
from pmo_resource.resources.schemas import ResourceCreate
from pmo_resource.resources.service import RESOURCES
from pmo_resource.types import Email

_EMAIL: TypeAdapter[str] = TypeAdapter(Email)
People = dict[str, tuple[Resource | None, ImportedPerson]]
"""By external_id: the person (None in a dry run that would create them) and what became of them."""


async def import_plan(
    session: AsyncSession, plan: mspdi.MspdiProject, options: MsProjectOptions, principal: Principal
) -> MsProjectPeopleImport:
    project = await get_live(session, options.project_id)
    if project is None:
        raise invalid(
            "project_id",
            f"no project {options.project_id} is known (projects come from the portfolio service)",
        )
    try:
        persons, demands = plan_of.people(plan), plan_of.demands(plan, project.id)
    except mspdi.MspdiError as exc:
        raise file_error(exc) from None
    _check_unique(persons)
    warnings: list[str] = []
    people = await _upsert_people(session, persons, principal, options.dry_run, warnings)
    prefix = plan_of.file_prefix(plan, project.id)
    items = await _replace_allocations(
        session, project.id, prefix, demands, people, principal, options.dry_run
    )
    if not options.dry_run:
        await _publish(session, project.id, people, items)
    return MsProjectPeopleImport(
        dry_run=options.dry_run,
        project_id=project.id,
        msproject_guid=plan.guid,
        people=_count(p.action for _r, p in people.values()),
        allocations=_count(i.action for i in items),
        person_items=[p for _r, p in people.values()],
        allocation_items=items,
        warnings=warnings,
    )


def _check_unique(persons: list[Person]) -> None:
    seen: dict[str, int] = {}
    for p in persons:
        if p.external_id in seen:
            raise file_error(
                mspdi.MspdiError(
                    f"Resources UID {seen[p.external_id]} and UID {p.uid} share the GUID {p.external_id}; "
                    "every resource of a plan needs its own."
                )
            )
        seen[p.external_id] = p.uid


def _count(actions: Any) -> Counts:
    counts = Counts()
    for action in actions:
        setattr(counts, action, getattr(counts, action) + 1)
    return counts


def _email(person: Person, warnings: list[str]) -> str | None:
    if person.email is None:
        return None
    try:
        return _EMAIL.validate_python(person.email)
    except ValidationError:
        warnings.append(
            f"Resource UID {person.uid} ({person.name}): {person.email[:80]!r} is not an e-mail address; left out."
        )
        return None


async def _existing(session: AsyncSession, external_ids: list[str]) -> dict[str, Resource]:
    if not external_ids:
        return {}
    rows = await session.scalars(select(Resource).where(Resource.external_id.in_(external_ids)))
    return {r.external_id: r for r in rows}


def _new_person(person: Person, email: str | None) -> ResourceCreate:
    fields = {
        "external_id": person.external_id,
        "name": person.name,
        "email": email,
        "role": person.role or UNASSIGNED_ROLE,
        "fte": person.fte,
        "hours_per_week": person.hours_per_week,
    }
    try:
        return ResourceCreate.model_validate(fields)
    except ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise file_error(
            mspdi.MspdiError(f"Resource UID {person.uid} ({person.name!r}): {problem}")
        ) from None


async def _upsert_people(
    session: AsyncSession, persons: list[Person], principal: Principal, dry_run: bool, warnings: list[str]
) -> People:
    """Create the people the file names and nobody has yet; update the name, e-mail and role (its
    Group) of those who exist. Capacity fields (fte, hours) of existing people are the HR system's."""
    existing = await _existing(session, [p.external_id for p in persons])
    people: People = {}
    for person in persons:
        email = _email(person, warnings)
        current = existing.get(person.external_id)
        if current is None:
            body = _new_person(person, email)
            resource = None if dry_run else Resource(id=uuid.uuid4(), **body.model_dump())
            if resource is not None:
                await RESOURCES.create(
                    session, resource, principal, ResourceUpserted, changed=sorted(body.model_fields_set)
                )
            item = ImportedPerson(
                action="created",
                resource_id=None if resource is None else resource.id,
                external_id=person.external_id,
                name=body.name,
                role=body.role,
                msproject_uid=person.uid,
            )
            people[person.external_id] = (resource, item)
            continue
        wanted = {"name": person.name, "email": email, "role": person.role}
        changes = {k: v for k, v in wanted.items() if v is not None and getattr(current, k) != v}
        if changes and not dry_run:
            await RESOURCES.update(session, current, principal, changes, ResourceUpserted)
        role = changes.get("role", current.role)
        item = ImportedPerson(
            action="updated" if changes else "unchanged",
            resource_id=current.id,
            external_id=person.external_id,
            name=changes.get("name", current.name),
            role=role,
            msproject_uid=person.uid,
        )
        people[person.external_id] = (current, item)
    return people


def _values(demand: Demand, people: People) -> dict[str, Any]:
    resource, person = (None, None) if demand.person is None else people[demand.person.external_id]
    return {
        "resource_id": None if resource is None else resource.id,
        "role": person.role if person is not None else (demand.role or UNASSIGNED_ROLE),
        "start_period": demand.start_period,
        "end_period": demand.end_period,
        "hours_per_period": demand.hours_per_period,
        "kind": "planned",
    }


def _item(
    action: str, allocation_id: uuid.UUID, values: dict[str, Any], external_id: str | None
) -> ImportedAllocation:
    fields = {k: values[k] for k in ("resource_id", "role", "start_period", "end_period", "hours_per_period")}
    return ImportedAllocation.model_validate(
        {"action": action, "allocation_id": allocation_id, "external_id": external_id, **fields}
    )


async def _replace_allocations(
    session: AsyncSession,
    project_id: uuid.UUID,
    prefix: bytes,
    demands: list[Demand],
    people: People,
    principal: Principal,
    dry_run: bool,
) -> list[ImportedAllocation]:
    """Create, update or keep each allocation the file asks for; delete those an earlier import of
    the same file made that it no longer asks for. Allocations made otherwise are left alone."""
    stmt = select(Allocation).where(Allocation.project_id == project_id)
    earlier = {a.id: a for a in await session.scalars(stmt) if plan_of.made_by(a.id, prefix)}
    items: list[ImportedAllocation] = []
    for demand in demands:
        values = _values(demand, people)
        external_id = None if demand.person is None else demand.person.external_id
        current = earlier.pop(demand.id, None)
        if current is None:
            if not dry_run:
                allocation = Allocation(
                    id=demand.id, project_id=project_id, created_by=principal.sub, **values
                )
                await ALLOCATIONS.create(session, allocation, principal, None)
            items.append(_item("created", demand.id, values, external_id))
            continue
        changes = {k: v for k, v in values.items() if getattr(current, k) != v}
        if changes and not dry_run:
            await ALLOCATIONS.update(session, current, principal, changes, None)
        items.append(_item("updated" if changes else "unchanged", demand.id, values, external_id))
    external_ids = {r.id: ext for ext, (r, _p) in people.items() if r is not None}
    for gone in earlier.values():
        values = {k: getattr(gone, k) for k in _GONE_FIELDS}
        items.append(_item("deleted", gone.id, values, external_ids.get(gone.resource_id)))
        if not dry_run:
            await ALLOCATIONS.delete(session, gone, principal, None)
    return items


_GONE_FIELDS = ("resource_id", "role", "start_period", "end_period", "hours_per_period")


async def _publish(
    session: AsyncSession, project_id: uuid.UUID, people: People, items: list[ImportedAllocation]
) -> None:
    """What others learn of the change, once: capacity by role (new people, changed roles), the
    project's demand, and over-allocations in the months the changed allocations cover."""
    if any(p.action != "unchanged" for _r, p in people.values()):
        await publish_capacity_if_changed(session)
    changed = [i for i in items if i.action != "unchanged"]
    if not changed:
        return
    await publish_demand(session, [project_id])
    staffed = {i.resource_id for i in changed if i.resource_id is not None}
    if staffed:
        first = min(i.start_period for i in changed)
        last = max(i.end_period for i in changed)
        await refresh_overallocations(session, staffed, first, last)

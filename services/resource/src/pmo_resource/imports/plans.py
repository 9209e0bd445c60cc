"""What an import would do, worked out against the stored rows (loaded in a few queries, compared
as plain values): the rows to upsert, the counts, and the events of the people it changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pmo_common.contracts.events import ResourceData, ResourceUpserted
from pmo_common.contracts.problem import FieldError
from pmo_common.db import utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.imports import repository
from pmo_resource.imports.capacity_rows import CapacityRows
from pmo_resource.imports.parsing import Validated
from pmo_resource.imports.schemas import RejectedRow
from pmo_resource.resources import repository as resources_repo
from pmo_resource.resources.schemas import ResourceCreate
from pmo_resource.resources.service import CAPACITY_FIELDS, PERSONAL_CAPACITY_FIELDS

RESOURCE_FIELDS = tuple(ResourceCreate.model_fields)


@dataclass
class Plan:
    """What an import would do: rows to upsert, and the counts."""

    rejected: list[RejectedRow]
    writes: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events: list[ResourceUpserted] = field(default_factory=list)
    touches_capacity: bool = False
    people_to_recheck: set[uuid.UUID] = field(default_factory=set)
    months: tuple[str, str] | None = None
    staged: bool = False
    """A capacity import: its rows wait in the staging table, not in `writes`."""


def _changed(old: Any, values: dict[str, Any], item: ResourceCreate, sees_cost_rate: bool) -> list[str]:
    """The fields a row changes. For a caller who may not read cost rates (an integration key) the
    outcome must not tell whether the stored rate equals a guess: a rate it sends always counts as a
    change, and a row without one leaves the stored rate alone (never compared)."""
    if not sees_cost_rate and "cost_rate" not in item.model_fields_set:
        values["cost_rate"] = old.cost_rate
    changed = [k for k in RESOURCE_FIELDS if getattr(old, k) != values[k]]
    if not sees_cost_rate and "cost_rate" in item.model_fields_set and "cost_rate" not in changed:
        changed.append("cost_rate")
    return sorted(changed)


async def plan_resources(
    session: AsyncSession, valid: Validated[ResourceCreate], *, sees_cost_rate: bool
) -> Plan:
    plan = Plan(rejected=valid.rejected)
    stored = await resources_repo.rows_by_external_id(session, {item.external_id for _, item in valid.rows})
    now = utcnow()
    for _, item in valid.rows:
        # The parsed values (Decimal money, not its serialised string) so comparisons are like for like.
        values = {name: getattr(item, name) for name in type(item).model_fields}
        old = stored.get(item.external_id)
        if old is None:
            write = {**values, "id": uuid.uuid4(), "version": 1, "created_at": now, "updated_at": now}
            plan.created += 1
            plan.touches_capacity |= item.active
            changed = sorted(values)
        else:
            changed = _changed(old, values, item, sees_cost_rate)
            if not changed:
                plan.unchanged += 1
                continue
            # The version the batched upsert gives the row (`version + 1` in its SQL).
            write = {**values, "id": old.id, "version": old.version + 1, "created_at": now, "updated_at": now}
            plan.updated += 1
            plan.touches_capacity |= bool(CAPACITY_FIELDS.intersection(changed))
            if PERSONAL_CAPACITY_FIELDS.intersection(changed):
                plan.people_to_recheck.add(old.id)
        plan.writes.append(write)
        # Only the event's own fields: `data` allows extras, and `cost_rate` must never be published.
        fields = {k: write[k] for k in ResourceData.model_fields if k in write}
        plan.events.append(ResourceUpserted(data=ResourceData(**fields, changed=changed)))
    return plan


def _unknown_person(number: int, external_id: str) -> RejectedRow:
    error = FieldError(field="external_id", message="no resource has this external_id; import it first")
    return RejectedRow(row=number, external_id=external_id, errors=[error])


async def plan_capacity(session: AsyncSession, valid: CapacityRows) -> Plan:
    """Stage the valid rows and classify them in SQL; `write_staged_capacity` applies them."""
    plan = Plan(rejected=valid.rejected, staged=True)
    await repository.stage_capacity(session, valid.records)
    counts = await repository.classify_staged(session)
    if counts.known < len(valid.records):
        unknown = await repository.staged_of_unknown_people(session)
        plan.rejected.extend(_unknown_person(n, external_id) for n, external_id in unknown)
    plan.created = counts.known - counts.stored
    plan.updated = counts.stored - counts.same
    plan.unchanged = counts.same
    plan.touches_capacity = bool(plan.created or plan.updated)
    if counts.first is not None and counts.last is not None:
        plan.months = (counts.first, counts.last)
    return plan

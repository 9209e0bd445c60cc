"""Bulk imports from HR/ERP systems: an upsert by key in ONE transaction, classified against the
stored rows (loaded in a few queries) and written in batched statements. Never commits.

Default: valid rows are applied, bad rows reported. `atomic`: any rejected row means nothing is
applied. `dry_run`: validate and count only. Every import stores its report and announces it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pmo_common.auth import Principal
from pmo_common.contracts.events import (
    Event,
    EventData,
    ImportCompleted,
    ImportCompletedData,
    ResourceData,
    ResourceUpserted,
)
from pmo_common.contracts.problem import FieldError
from pmo_common.db import utcnow
from pmo_common.events.outbox import emit, emit_many
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.capacity.repository import chunked
from pmo_resource.capacity.service import publish_capacity_if_changed, refresh_overallocations
from pmo_resource.imports import repository
from pmo_resource.imports.models import ImportRun
from pmo_resource.imports.parsing import Validated, parse_rows, validate_rows
from pmo_resource.imports.schemas import MAX_REPORTED_REJECTIONS, CapacityRow, RejectedRow
from pmo_resource.resources import repository as resources_repo
from pmo_resource.resources.schemas import ResourceCreate
from pmo_resource.resources.service import CAPACITY_FIELDS, PERSONAL_CAPACITY_FIELDS

IMPORT_ROWS = Counter(
    "pmo_resource_import_rows_total", "Imported rows by kind and result.", ["kind", "result"]
)
RESOURCE_FIELDS = tuple(ResourceCreate.model_fields)


@dataclass
class Plan:
    """What an import would do: rows to upsert, and the counts."""

    rejected: list[RejectedRow]
    writes: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events: list[tuple[type[Event], EventData]] = field(default_factory=list)
    touches_capacity: bool = False
    people_to_recheck: set[uuid.UUID] = field(default_factory=set)
    months: tuple[str, str] | None = None


async def plan_resources(session: AsyncSession, valid: Validated[ResourceCreate]) -> Plan:
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
            changed = sorted(k for k in RESOURCE_FIELDS if getattr(old, k) != values[k])
            if not changed:
                plan.unchanged += 1
                continue
            write = {**values, "id": old.id, "version": old.version + 1, "created_at": now, "updated_at": now}
            plan.updated += 1
            plan.touches_capacity |= bool(CAPACITY_FIELDS.intersection(changed))
            if PERSONAL_CAPACITY_FIELDS.intersection(changed):
                plan.people_to_recheck.add(old.id)
        plan.writes.append(write)
        data = ResourceData(
            id=write["id"],
            version=write["version"],
            changed=changed,
            **{k: values[k] for k in ResourceData.model_fields if k in values},
        )
        plan.events.append((ResourceUpserted, data))
    return plan


async def plan_capacity(session: AsyncSession, valid: Validated[CapacityRow]) -> Plan:
    plan = Plan(rejected=valid.rejected)
    ids = await repository.resource_ids(session, {item.external_id for _, item in valid.rows})
    known = []
    for number, item in valid.rows:
        if item.external_id in ids:
            known.append(item)
        else:
            error = FieldError(
                field="external_id", message="no resource has this external_id; import it first"
            )
            plan.rejected.append(RejectedRow(row=number, external_id=item.external_id, errors=[error]))
    if not known:
        return plan
    first, last = min(i.period for i in known), max(i.period for i in known)
    stored = await repository.capacity_centihours(session, {i.external_id for i in known}, first, last)
    now = utcnow()
    for item in known:
        rid = ids[item.external_id]
        old = stored.get((item.external_id, item.period))
        if old is not None and old == int(item.available_hours * 100):
            plan.unchanged += 1
            continue
        if old is None:
            plan.created += 1
        else:
            plan.updated += 1
        plan.writes.append(
            {
                "resource_id": rid,
                "period": item.period,
                "available_hours": item.available_hours,
                "version": 1,
                "updated_at": now,
            }
        )
        plan.people_to_recheck.add(rid)
    plan.touches_capacity = bool(plan.writes)
    plan.months = (first, last)
    return plan


async def apply(session: AsyncSession, kind: str, plan: Plan) -> None:
    await repository.write_batched(session, plan.writes, kind)
    for batch in chunked(plan.events, 2000):
        await emit_many(session, list(batch))
    if plan.touches_capacity:
        await publish_capacity_if_changed(session)
    if plan.people_to_recheck:
        first, last = plan.months or (None, None)
        await refresh_overallocations(session, plan.people_to_recheck, first, last)


async def run_import(
    session: AsyncSession,
    kind: str,
    body: bytes,
    content_type: str | None,
    *,
    atomic: bool,
    dry_run: bool,
    principal: Principal,
) -> ImportRun:
    """Parse, validate, classify and (unless dry or refused) apply one import; store its report."""
    if kind == "resources":
        raw = parse_rows(body, content_type, ResourceCreate)
        plan = await plan_resources(
            session, validate_rows(raw, ResourceCreate, lambda r: r.external_id, "external_id")
        )
    else:
        raw = parse_rows(body, content_type, CapacityRow)
        validated = validate_rows(raw, CapacityRow, lambda r: (r.external_id, r.period), "period")
        plan = await plan_capacity(session, validated)
    plan.rejected.sort(key=lambda r: r.row)
    refused = atomic and bool(plan.rejected)
    applied = not dry_run and not refused
    if applied:
        await apply(session, kind, plan)
    if refused:
        plan.created = plan.updated = plan.unchanged = 0
    run = ImportRun(
        id=uuid.uuid4(),
        kind=kind,
        atomic=atomic,
        dry_run=dry_run,
        applied=applied,
        received=len(raw),
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        rejected_count=len(plan.rejected),
        rejected=[r.model_dump(mode="json") for r in plan.rejected[:MAX_REPORTED_REJECTIONS]],
        created_by=principal.sub,
        created_at=utcnow(),
    )
    session.add(run)
    await session.flush()
    await emit(session, ImportCompleted, completed_data(run))
    _count(run)
    return run


def completed_data(run: ImportRun) -> ImportCompletedData:
    return ImportCompletedData(
        id=run.id,
        version=1,
        changed=[],
        kind=run.kind,
        received=run.received,
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected_count,
        atomic=run.atomic,
        dry_run=run.dry_run,
    )


def _count(run: ImportRun) -> None:
    if not run.applied:
        IMPORT_ROWS.labels(run.kind, "not_applied").inc(run.received)
        return
    for result in ("created", "updated", "unchanged"):
        IMPORT_ROWS.labels(run.kind, result).inc(getattr(run, result))
    IMPORT_ROWS.labels(run.kind, "rejected").inc(run.rejected_count)

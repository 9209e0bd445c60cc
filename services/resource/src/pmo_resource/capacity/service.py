"""Capacity, demand and over-allocation: the derived aggregates this service publishes (the read
views over them are `capacity.views`). Never commits."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Iterable
from typing import Any

from pmo_common.contracts.events import (
    CapacityChanged,
    CapacityChangedData,
    DemandChanged,
    DemandChangedData,
    OverallocationDetected,
    OverallocationDetectedData,
    RoleMonthHours,
)
from pmo_common.contracts.types import month_from_index, month_index, months_between
from pmo_common.db import serialize, utcnow
from pmo_common.events.outbox import emit, emit_many
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.capacity import repository as repo
from pmo_resource.logic.capacity import (
    Overallocation,
    combine_capacity,
    find_overallocations,
    new_and_resolved,
    sum_by_key_and_month,
)

CAPACITY_AGGREGATE_ID = uuid.UUID("3b0f7c1e-6a53-4d3e-9c1e-0c4a9f2d7a10")
"""`data.id` of every `pmo.resource.capacity.changed`: there is one capacity table."""

# The role × month table spans from 12 months back to 47 ahead, widened to the imported months
# but never beyond 24 back / 95 ahead: at most 120 months, so an event stays well under NATS's 1 MB.
_PAST, _AHEAD, _MAX_PAST, _MAX_AHEAD = 12, 47, 24, 95

# Capacity totals, demand and over-allocations are recomputed and versioned here: one transaction
# at a time, so concurrent allocations cannot announce the same version or the same pair twice.
DERIVED_EVENTS = "pmo-resource-derived-events"


def current_month() -> str:
    return utcnow().strftime("%Y-%m")


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def totals_window(now: str, imported_first: str | None, imported_last: str | None) -> tuple[str, str]:
    n = month_index(now)
    first, last = n - _PAST, n + _AHEAD
    if imported_first is not None and imported_last is not None:
        first = max(min(first, month_index(imported_first)), n - _MAX_PAST)
        last = min(max(last, month_index(imported_last)), n + _MAX_AHEAD)
    return month_from_index(first), month_from_index(last)


async def capacity_by_group(
    session: AsyncSession, group_by: str, first: str, last: str
) -> dict[tuple[Any, str], float]:
    months = months_between(first, last)
    defaults = await repo.default_hours_by(session, group_by)
    imported = await repo.imported_by(session, group_by, first, last)
    return combine_capacity(defaults, imported, defaults.keys(), months)


async def role_capacity_totals(session: AsyncSession) -> list[RoleMonthHours]:
    first, last = totals_window(current_month(), *await repo.imported_period_bounds(session))
    capacity = await capacity_by_group(session, "role", first, last)
    return [
        RoleMonthHours(role=role, period=month, hours=round(hours, 2))
        for (role, month), hours in sorted(capacity.items())
    ]


async def publish_capacity_if_changed(session: AsyncSession) -> bool:
    """Emit `capacity.changed` with the whole role × month table if it differs from the last one
    published; returns whether it did."""
    await serialize(session, DERIVED_EVENTS)
    totals = await role_capacity_totals(session)
    digest = _digest([t.model_dump() for t in totals])
    key = str(CAPACITY_AGGREGATE_ID)
    version, last_digest = (await repo.counters(session, "capacity", [key])).get(key, (0, None))
    if digest == last_digest:
        return False
    await repo.save_counters(session, "capacity", {key: (version + 1, digest)})
    data = CapacityChangedData(
        id=CAPACITY_AGGREGATE_ID, version=version + 1, changed=["totals"], totals=totals
    )
    await emit(session, CapacityChanged(data=data))
    return True


async def publish_demand(session: AsyncSession, project_ids: Iterable[uuid.UUID]) -> None:
    """Emit `demand.changed` (the project's whole role × month demand) for each project whose
    demand differs from what was last published."""
    await serialize(session, DERIVED_EVENTS)
    pending: dict[str, tuple[int, str | None]] = {}
    events: list[DemandChanged] = []
    ids = sorted(set(project_ids), key=str)
    known = await repo.counters(session, "demand", [str(p) for p in ids])
    for project_id in ids:
        demand = sum_by_key_and_month(await repo.project_spans(session, project_id))
        rows = [RoleMonthHours(role=r, period=m, hours=round(h, 2)) for (r, m), h in sorted(demand.items())]
        digest = _digest([r.model_dump() for r in rows])
        version, last_digest = known.get(str(project_id), (0, None))
        if digest == last_digest:
            continue
        pending[str(project_id)] = (version + 1, digest)
        data = DemandChangedData(id=project_id, version=version + 1, changed=["demand"], demand=rows)
        events.append(DemandChanged(data=data))
    await repo.save_counters(session, "demand", pending)
    await emit_many(session, events)


async def person_overallocations(
    session: AsyncSession, ids: Collection[uuid.UUID], first: str | None, last: str | None
) -> tuple[list[Overallocation[uuid.UUID]], dict[uuid.UUID, repo.Person]]:
    """Over-allocations of these people (active ones only) within `first..last` (or ever)."""
    people = {p.id: p for p in (await repo.people(session, ids)).values() if p.active}
    demand = sum_by_key_and_month(await repo.staffed_spans(session, people.keys(), first, last), first, last)
    if not demand:
        return [], people
    months = sorted({m for _, m in demand})
    imported = await repo.imported_for(session, people.keys(), months[0], months[-1])
    capacity = {k: imported.get(k, people[k[0]].default_hours) for k in demand}
    return find_overallocations(capacity, demand), people


async def refresh_overallocations(
    session: AsyncSession, ids: Collection[uuid.UUID], first: str | None = None, last: str | None = None
) -> int:
    """Announce the (person, month) pairs of `ids` within `first..last` that newly exceed capacity,
    once each; forget pairs that no longer do. Returns how many were announced."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return 0
    await serialize(session, DERIVED_EVENTS)
    found, people = await person_overallocations(session, ids, first, last)
    by_pair = {(o.resource, o.period): o for o in found}
    new, resolved = new_and_resolved(by_pair, await repo.known_overallocations(session, ids, first, last))
    await repo.forget_known(session, resolved)
    if not new:
        return 0
    await repo.add_known(session, new)
    ordered = sorted(new, key=lambda pair: (str(pair[0]), pair[1]))
    versions = {
        k: v
        for k, (v, _) in (await repo.counters(session, "overallocation", {str(r) for r, _ in new})).items()
    }
    events: list[OverallocationDetected] = []
    for rid, period in ordered:
        versions[str(rid)] = versions.get(str(rid), 0) + 1
        o = by_pair[(rid, period)]
        data = OverallocationDetectedData(
            id=rid,
            version=versions[str(rid)],
            changed=["overallocated"],
            resource_id=rid,
            role=people[rid].role,
            period=period,
            capacity_hours=o.capacity_hours,
            demand_hours=o.demand_hours,
            excess_hours=o.excess_hours,
        )
        events.append(OverallocationDetected(data=data))
    await repo.save_counters(session, "overallocation", {k: (v, None) for k, v in versions.items()})
    await emit_many(session, events)
    return len(events)

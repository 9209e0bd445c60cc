"""Consumed events: the resource service's capacity and demand, kept as a local read model for
capacity-constrained selection. "Newest version wins": an older or redelivered event changes nothing.
The durable names are the ones these consumers always had, so an upgrade resumes where it stopped."""

from __future__ import annotations

from pmo_common.contracts.events import CapacityChanged, DemandChanged
from pmo_common.events.consumer import EventHandlers, apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.capacity.models import CAPACITY_KEY, CapacitySnapshot, ProjectDemand

handlers = EventHandlers()


@handlers.on(CapacityChanged, name="capacity-changed")
async def capacity_changed(session: AsyncSession, event: CapacityChanged) -> None:
    """`totals` is the whole role × month table: it replaces ours when its version is newer."""
    data = event.data
    totals = [row.model_dump() for row in data.totals]
    await apply_if_newer(
        session, CapacitySnapshot, CAPACITY_KEY, data.version, {"id": CAPACITY_KEY, "totals": totals}
    )


@handlers.on(DemandChanged, name="demand-changed")
async def demand_changed(session: AsyncSession, event: DemandChanged) -> None:
    """`id` is the project; `demand` its whole role × month list (newest version per project wins)."""
    data = event.data
    demand = [row.model_dump() for row in data.demand]
    await apply_if_newer(
        session, ProjectDemand, data.id, data.version, {"project_id": data.id, "demand": demand}
    )

"""Consumed events: the resource service's capacity and demand, kept as a local read model for
capacity-constrained selection ("newest version wins": an older or redelivered event changes
nothing; the durable names are the ones these consumers always had, so an upgrade resumes where it
stopped); and what the action register and the gate facts learn from status reports, risks and their
responses. A subject is handled by one subscription, so each handler here hands an event to every
part of the service that needs it."""

from __future__ import annotations

from pmo_common.contracts.events import (
    CapacityChanged,
    DemandChanged,
    ResponseCreated,
    ResponseUpdated,
    RiskClosed,
    RiskDeescalated,
    RiskEscalated,
    RiskRaised,
    RiskUpdated,
    StatusReportSubmitted,
)
from pmo_common.events.consumer import EventHandlers, apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.actions import consumers as actions
from pmo_portfolio.capacity.models import CAPACITY_KEY, CapacitySnapshot, ProjectDemand
from pmo_portfolio.gates import facts

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


@handlers.on(StatusReportSubmitted, name="status-reports")
async def status_report_submitted(session: AsyncSession, event: StatusReportSubmitted) -> None:
    await actions.on_status_report(session, event)
    await facts.on_status_report(session, event)


@handlers.on(RiskRaised, RiskUpdated, RiskClosed, RiskEscalated, RiskDeescalated, name="risks")
async def risk_changed(session: AsyncSession, event: facts.RiskEvent) -> None:
    await facts.on_risk(session, event)


@handlers.on(ResponseCreated, ResponseUpdated, name="risk-responses")
async def response_changed(session: AsyncSession, event: ResponseCreated | ResponseUpdated) -> None:
    await actions.on_response(session, event)
    await facts.on_response(session, event)

"""Consumed events: one subscription per upstream stream. Every handler is idempotent and
"newest version wins" (`apply_if_newer`), so redelivery or reordering changes nothing; deleted
aggregates stay as tombstones; history rows are keyed by (aggregate id, version)."""

from __future__ import annotations

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import (
    CapacityChangedData,
    DemandChangedData,
    OverallocationDetectedData,
    PortfolioData,
    ProjectData,
    ProjectStageChangedData,
    RiskData,
    validate_data,
)
from pmo_common.events.consumer import EventHandlers, apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.readmodels import repository
from pmo_reporting.readmodels.models import (
    GLOBAL_SCOPE,
    PortfolioView,
    ProjectStageHistory,
    ProjectView,
    RiskHistory,
    RiskView,
)
from pmo_reporting.status_reports import repository as status_reports

handlers = EventHandlers()


@handlers.on("pmo.portfolio.project.*", "pmo.portfolio.portfolio.*", name="portfolio")
async def on_portfolio_event(session: AsyncSession, event: CloudEvent) -> None:
    subject = event.nats_subject
    if subject.startswith("pmo.portfolio.portfolio."):
        portfolio = PortfolioData.model_validate(event.data)
        await _apply_portfolio(session, portfolio)
        await repository.bump_versions(session, portfolio.id)
    elif subject.startswith("pmo.portfolio.project."):
        data = validate_data(subject, event.data)
        assert isinstance(data, ProjectData)
        await _apply_project(session, data, event)


async def _apply_portfolio(session: AsyncSession, data: PortfolioData) -> None:
    values = {
        "id": data.id,
        "name": data.name,
        "currency": data.currency,
        "budget": data.budget,
        "deleted": data.deleted or False,
    }
    await apply_if_newer(session, PortfolioView, data.id, data.version, values)


async def _apply_project(session: AsyncSession, data: ProjectData, event: CloudEvent) -> None:
    deleted = data.deleted or event.nats_subject.endswith(".deleted")
    before = await session.get(ProjectView, data.id)
    old_portfolio, old_budget = (before.portfolio_id, before.budget) if before else (None, None)
    values = {
        "id": data.id,
        "portfolio_id": data.portfolio_id,
        "code": data.code,
        "name": data.name,
        "manager": data.manager,
        "budget": data.budget,
        "start_date": data.start_date,
        "finish_date": data.finish_date,
        "stage": data.stage,
        "deleted": deleted,
    }
    applied = await apply_if_newer(session, ProjectView, data.id, data.version, values)
    if applied and (before is None or old_budget != data.budget):
        # Figures use the current budget for every date: re-derive the reports' earned value and
        # copy the latest one's figures (a new row: after a rebuild, say).
        project = await session.get(ProjectView, data.id)
        assert project is not None
        await status_reports.rederive(session, project)
    await repository.bump_versions(session, old_portfolio, data.portfolio_id)
    # A stage counts from the gate decision's time; anything else from when it was published.
    effective_at = data.decided_at if isinstance(data, ProjectStageChangedData) else event.time
    await repository.add_history_once(
        session,
        ProjectStageHistory,
        (data.id, data.version),
        {
            "project_id": data.id,
            "version": data.version,
            "portfolio_id": data.portfolio_id,
            "stage": data.stage,
            "deleted": deleted,
            "effective_at": effective_at,
        },
    )


@handlers.on("pmo.risk.risk.*", name="risk")
async def on_risk_event(session: AsyncSession, event: CloudEvent) -> None:
    data = RiskData.model_validate(event.data)
    deleted = data.deleted or False
    is_open = data.status == "open" and not deleted
    common = {
        "portfolio_id": data.portfolio_id,
        "project_id": data.project_id,
        "title": data.title[:300],
        "probability": data.probability,
        "impact": data.impact,
        "score": data.score,
        "level": data.level,
        "emv": data.emv,
        "escalated": data.escalated,
        "is_open": is_open,
    }
    values = {**common, "id": data.id, "kind": data.kind, "status": data.status, "deleted": deleted}
    before = await session.get(RiskView, data.id)
    await repository.bump_versions(session, before.portfolio_id if before else None, data.portfolio_id)
    await apply_if_newer(session, RiskView, data.id, data.version, values)
    history = {**common, "risk_id": data.id, "version": data.version, "effective_at": event.time}
    await repository.add_history_once(session, RiskHistory, (data.id, data.version), history)


@handlers.on(
    "pmo.resource.capacity.changed",
    "pmo.resource.demand.changed",
    "pmo.resource.overallocation.detected",
    name="resource",
)
async def on_resource_event(session: AsyncSession, event: CloudEvent) -> None:
    subject = event.nats_subject
    await repository.bump_versions(session, GLOBAL_SCOPE)  # org-wide: every portfolio's dashboard
    if subject == "pmo.resource.capacity.changed":
        capacity = CapacityChangedData.model_validate(event.data)
        cells = [t.model_dump() for t in capacity.totals]
        await repository.replace_capacity(session, capacity.id, capacity.version, cells)
    elif subject == "pmo.resource.demand.changed":
        demand = DemandChangedData.model_validate(event.data)
        cells = [d.model_dump() for d in demand.demand]
        await repository.replace_demand(session, demand.id, demand.version, cells)
    elif subject == "pmo.resource.overallocation.detected":
        over = OverallocationDetectedData.model_validate(event.data)
        values = {
            "resource_id": over.resource_id,
            "period": over.period,
            "role": over.role,
            "capacity_hours": over.capacity_hours,
            "demand_hours": over.demand_hours,
            "excess_hours": over.excess_hours,
        }
        await repository.record_overallocation(session, over.version, values)

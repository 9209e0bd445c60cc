"""Consumed events, registered by event class. Projects and portfolios are kept by
`pmo_common.upstream` (newest version wins, tombstones); what follows from them here (re-derived
report figures, dashboard versions, the stage history) is in its `after` hooks. Every handler is
idempotent: read models apply "newest version wins" and history rows are keyed by (aggregate id,
version), so redelivery or reordering changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from pmo_common.contracts.events import (
    ActionCreated,
    ActionOverdue,
    ActionUpdated,
    BaselineApproved,
    BenefitCreated,
    BenefitData,
    BenefitDeleted,
    BenefitMeasured,
    BenefitUpdated,
    CapacityChanged,
    DecisionRecorded,
    DemandChanged,
    OverallocationDetected,
    ProgrammeCreated,
    ProgrammeData,
    ProgrammeDeleted,
    ProgrammeUpdated,
    ProjectDeleted,
    ProjectStageChanged,
    RiskClosed,
    RiskDeescalated,
    RiskEscalated,
    RiskRaised,
    RiskUpdated,
)
from pmo_common.events.consumer import EventHandlers, apply_if_newer
from pmo_common.upstream import PortfolioEvent, ProjectEvent, track_portfolios, track_projects, unchanged
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.readmodels import baselines, benefits, governance, repository, structure
from pmo_reporting.readmodels.models import (
    GLOBAL_SCOPE,
    Figures,
    PortfolioView,
    ProjectStageHistory,
    ProjectView,
    RiskHistory,
    RiskView,
)
from pmo_reporting.status_reports import repository as status_reports
from pmo_reporting.webhooks import recorder as webhooks

RiskEvent: TypeAlias = RiskRaised | RiskUpdated | RiskClosed | RiskEscalated | RiskDeescalated
ActionEvent: TypeAlias = ActionCreated | ActionUpdated | ActionOverdue
ProgrammeEvent: TypeAlias = ProgrammeCreated | ProgrammeUpdated | ProgrammeDeleted
BenefitEvent: TypeAlias = BenefitCreated | BenefitUpdated | BenefitDeleted | BenefitMeasured

D = TypeVar("D", ProgrammeData, BenefitData)

handlers = EventHandlers()


async def after_project(
    session: AsyncSession, event: ProjectEvent, before: dict[str, Any] | None, applied: bool
) -> None:
    await webhooks.record(session, event)
    data = event.data
    # The baseline in force travels with project events too: kept once per number, like its event's.
    baseline = data.baseline
    new_baseline = baseline is not None and await baselines.record_baseline(session, data.id, baseline)
    if applied and not _same_profile(before, data):
        await baselines.record_current_profile(session, data.id, data.cost_profile)
    if new_baseline or (applied and (before is None or before["budget"] != data.budget)):
        # EV stated as a percentage is valued against the plan in force on each report's date (the
        # current budget while there is no baseline): re-derive it and copy the latest report's
        # figures (a new row: after a rebuild, say).
        project = await session.get(ProjectView, data.id)
        assert project is not None
        await status_reports.rederive(session, project)
    if new_baseline or not (applied and unchanged(ProjectView, before, event)):
        # Else the event changed only what no figure reads (its description, say): the dashboards
        # cached stand (its history row below is the last one's values again, as of a later time).
        old_portfolio = None if before is None else before["portfolio_id"]
        await repository.bump_versions(session, old_portfolio, data.portfolio_id)
    history = {
        "project_id": data.id,
        "version": data.version,
        "portfolio_id": data.portfolio_id,
        "stage": data.stage,
        "deleted": data.deleted or isinstance(event, ProjectDeleted),
        "programme_id": data.programme_id,
        "manager": data.manager,
        "finish_date": data.finish_date,
        "fields": to_jsonable_python(data.fields),
        "tags": list(data.tags),
        "effective_at": _effective_at(event),
    }
    if await repository.add_history_once(session, ProjectStageHistory, (data.id, data.version), history):
        structure.record_facets(session, data)


def _same_profile(before: dict[str, Any] | None, data: Any) -> bool:
    """Whether the event carries the cost profile the row already had (`ProjectView.cost_profile`,
    kept as the JSON of the event's): most project events change a description, a stage or a field,
    and rewriting the profile's periods was a DELETE and an INSERT of every month each time."""
    known = None if before is None else before["cost_profile"]
    return known is not None and known == to_jsonable_python(data.cost_profile)


def _effective_at(event: ProjectEvent) -> datetime:
    """A stage counts from the gate decision's time; anything else from when it was published."""
    return event.data.decided_at if isinstance(event, ProjectStageChanged) else event.envelope.time


async def after_portfolio(
    session: AsyncSession, event: PortfolioEvent, before: dict[str, Any] | None, applied: bool
) -> None:
    await webhooks.record(session, event)
    await repository.bump_versions(session, event.data.id)  # its name and currency are on dashboards


# Projects, portfolios and baselines share one durable consumer, so they are applied in the order published.
track_projects(handlers, ProjectView, name="portfolio", after=after_project)
track_portfolios(handlers, PortfolioView, name="portfolio", after=after_portfolio)


@handlers.on(BaselineApproved, name="portfolio")
async def on_baseline(session: AsyncSession, event: BaselineApproved) -> None:
    """A new baseline changes the plan of every figure dated from its approval (baseline 1: every
    figure): re-derive the project's reports and refresh its portfolio's dashboards."""
    await webhooks.record(session, event)
    data = event.data
    if not await baselines.record_baseline(session, data.project_id, data):
        return  # a redelivery, or already known from a project event
    project = await session.get(ProjectView, data.project_id)
    if project is not None:  # else the project's own events re-derive when they arrive
        await status_reports.rederive(session, project)
    portfolios = (data.portfolio_id, project.portfolio_id if project else None)
    await repository.bump_versions(session, *portfolios, figures=Figures.REPORTS)


@handlers.on(ActionCreated, ActionUpdated, ActionOverdue, name="portfolio")
async def on_action(session: AsyncSession, event: ActionEvent) -> None:
    """The action register, for the dashboards' open and overdue counts and the board report."""
    await webhooks.record(session, event)
    data = event.data
    before = await governance.record_action(session, data, event.envelope.time)
    await repository.bump_versions(session, before, data.portfolio_id, figures=Figures.GOVERNANCE)


@handlers.on(DecisionRecorded, name="portfolio")
async def on_decision(session: AsyncSession, event: DecisionRecorded) -> None:
    """The decision log's entries, for the latest decisions on dashboards and the board report."""
    await webhooks.record(session, event)
    if await governance.record_decision(session, event.data):
        await repository.bump_versions(session, event.data.portfolio_id, figures=Figures.GOVERNANCE)


@handlers.on(ProgrammeCreated, ProgrammeUpdated, ProgrammeDeleted, name="portfolio")
async def on_programme(session: AsyncSession, event: ProgrammeEvent) -> None:
    """Programmes: what dashboards narrow to and breakdowns group by (their code)."""
    await webhooks.record(session, event)
    data = _deleted(event.data) if isinstance(event, ProgrammeDeleted) else event.data
    before = await structure.record_programme(session, data, event.envelope.time)
    await repository.bump_versions(session, before, data.portfolio_id)


@handlers.on(BenefitCreated, BenefitUpdated, BenefitDeleted, BenefitMeasured, name="portfolio")
async def on_benefit(session: AsyncSession, event: BenefitEvent) -> None:
    """Benefits and their measurements, for the dashboards' benefit figures as of a date."""
    await webhooks.record(session, event)
    data = _deleted(event.data) if isinstance(event, BenefitDeleted) else event.data
    before = await benefits.record_benefit(session, data, event.envelope.time, benefits.measured(event))
    await repository.bump_versions(session, before, data.portfolio_id, figures=Figures.GOVERNANCE)


def _deleted(data: D) -> D:
    """A deletion event's data, deleted whatever its flag says (as `pmo_common.upstream` does)."""
    return data.model_copy(update={"deleted": True})


@handlers.on(RiskRaised, RiskUpdated, RiskClosed, RiskEscalated, RiskDeescalated, name="risk")
async def on_risk(session: AsyncSession, event: RiskEvent) -> None:
    await webhooks.record(session, event)
    data = event.data
    is_open = data.status == "open" and not data.deleted
    common = {
        "portfolio_id": data.portfolio_id,
        "project_id": data.project_id,
        "title": data.title,
        "probability": data.probability,
        "impact": data.impact,
        "score": data.score,
        "level": data.level,
        "emv": data.emv,
        "escalated": data.escalated,
        "is_open": is_open,
    }
    values = {**common, "id": data.id, "kind": data.kind, "status": data.status, "deleted": data.deleted}
    before = await session.get(RiskView, data.id)
    portfolios = (before.portfolio_id if before else None, data.portfolio_id)
    await repository.bump_versions(session, *portfolios, figures=Figures.RISKS)
    await apply_if_newer(session, RiskView, data.id, data.version, values)
    history = {**common, "risk_id": data.id, "version": data.version, "effective_at": event.envelope.time}
    await repository.add_history_once(session, RiskHistory, (data.id, data.version), history)


# Capacity and demand are org-wide: each change bumps every portfolio's capacity (GLOBAL_SCOPE).


@handlers.on(CapacityChanged, name="resource")
async def on_capacity(session: AsyncSession, event: CapacityChanged) -> None:
    await webhooks.record(session, event)
    await repository.bump_versions(session, GLOBAL_SCOPE, figures=Figures.CAPACITY)
    cells = [t.model_dump() for t in event.data.totals]
    await repository.replace_capacity(session, event.data.id, event.data.version, cells)


@handlers.on(DemandChanged, name="resource")
async def on_demand(session: AsyncSession, event: DemandChanged) -> None:
    await webhooks.record(session, event)
    await repository.bump_versions(session, GLOBAL_SCOPE, figures=Figures.CAPACITY)
    cells = [d.model_dump() for d in event.data.demand]
    await repository.replace_demand(session, event.data.id, event.data.version, cells)


@handlers.on(OverallocationDetected, name="resource")
async def on_overallocation(session: AsyncSession, event: OverallocationDetected) -> None:
    await webhooks.record(session, event)
    await repository.bump_versions(session, GLOBAL_SCOPE, figures=Figures.CAPACITY)
    await repository.record_overallocation(session, event.data)

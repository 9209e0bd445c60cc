"""Status report rules: who may submit, what is derived, and which events follow. Never commits."""

from __future__ import annotations

import uuid
from typing import Any

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.contracts.events import (
    ProjectHealthChanged,
    ProjectHealthData,
    StatusReportData,
    StatusReportSubmitted,
)
from pmo_common.db import serialize, utcnow
from pmo_common.events.outbox import emit
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.evm import Baseline, Evm, Progress, compute_evm, rounded_ratio
from pmo_reporting.readmodels.models import ProjectView
from pmo_reporting.readmodels.repository import bump_versions
from pmo_reporting.status_reports import repository
from pmo_reporting.status_reports.models import END_OF_TIME, ProjectHealth, StatusReport
from pmo_reporting.status_reports.schemas import StatusReportCreate


def baseline_of(project: ProjectView) -> Baseline:
    return Baseline(bac=project.budget, start_date=project.start_date, finish_date=project.finish_date)


def progress_of(report: Any) -> Progress:
    """A report's figures (an ORM row, a result row or a submitted body)."""
    return Progress(
        percent_complete=report.percent_complete,
        actual_cost=report.actual_cost,
        planned_value=report.planned_value,
        earned_value=report.earned_value,
        forecast_cost=report.forecast_cost,
        forecast_finish_date=report.forecast_finish_date,
    )


async def submit(
    session: AsyncSession, project: ProjectView, body: StatusReportCreate, principal: Principal
) -> StatusReport:
    ensure_can_write_project(principal, project.manager, what="status report")
    # One submission per project at a time: each places itself in the project's report timeline and
    # versions its health; two side by side (PostgreSQL) would read the same state.
    await serialize(session, f"pmo-reporting-project:{project.id}")
    evm = compute_evm(baseline_of(project), progress_of(body), body.as_of)
    values = body.model_dump(exclude={"actions"})
    report_id, submitted_at = uuid.uuid4(), utcnow()
    superseded_on = await repository.place_in_timeline(
        session, project.id, report_id, body.as_of, submitted_at
    )
    assert evm.ev is not None  # a report always yields an earned value
    report = StatusReport(
        **values,
        id=report_id,
        actions=[a.model_dump(mode="json") for a in body.actions],
        project_id=project.id,
        portfolio_id=project.portfolio_id,
        suggested_rag=evm.suggested_rag,
        submitted_by=principal.sub,
        submitted_at=submitted_at,
        version=1,
        superseded_on=superseded_on,
        ev_effective=evm.ev,
    )
    session.add(report)
    if superseded_on == END_OF_TIME:
        repository.set_latest(project, report)
    await session.flush()
    await bump_versions(session, project.portfolio_id)
    await emit(session, StatusReportSubmitted, _report_event(report))
    await _track_health(session, report, evm)
    return report


def _report_event(report: StatusReport) -> StatusReportData:
    return StatusReportData(
        id=report.id,
        version=report.version,
        changed=[],
        project_id=report.project_id,
        portfolio_id=report.portfolio_id,
        as_of=report.as_of,
        overall=report.overall,
        scope=report.scope,
        schedule=report.schedule,
        cost=report.cost,
        risk=report.risk,
        resources=report.resources,
        percent_complete=report.percent_complete,
        actual_cost=report.actual_cost,
        planned_value=report.planned_value,
        earned_value=report.earned_value,
        forecast_cost=report.forecast_cost,
        forecast_finish_date=report.forecast_finish_date,
        suggested_rag=report.suggested_rag,
        submitted_by=report.submitted_by,
    )


async def _track_health(session: AsyncSession, report: StatusReport, evm: Evm) -> None:
    """Announce `project.health_changed` when the project's latest report (by as_of; the newest
    submission wins ties) brings a different overall or suggested RAG. A late report for an
    earlier date is not the latest and changes nothing."""
    health = await repository.health(session, report.project_id)
    if health is not None:
        current = await session.get(StatusReport, health.latest_report_id)
        if current is not None and current.as_of > report.as_of:
            return
    if health is None:
        health = ProjectHealth(project_id=report.project_id, latest_report_id=report.id, version=0)
        session.add(health)
    health.latest_report_id = report.id
    previous_overall, previous_suggested = health.overall, health.suggested_rag
    if (previous_overall, previous_suggested) != (report.overall, report.suggested_rag):
        health.overall, health.suggested_rag = report.overall, report.suggested_rag
        health.version += 1
        await emit(
            session,
            ProjectHealthChanged,
            ProjectHealthData(
                id=report.project_id,
                version=health.version,
                changed=[
                    name
                    for name, (old, new) in {
                        "overall": (previous_overall, report.overall),
                        "suggested_rag": (previous_suggested, report.suggested_rag),
                    }.items()
                    if old != new
                ],
                portfolio_id=report.portfolio_id,
                as_of=report.as_of,
                overall=report.overall,
                previous_overall=previous_overall,
                suggested_rag=report.suggested_rag,
                previous_suggested_rag=previous_suggested,
                spi=rounded_ratio(evm.spi),
                cpi=rounded_ratio(evm.cpi),
            ),
        )
    await session.flush()

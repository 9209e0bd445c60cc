"""Status report rules: who may submit, what is derived, and which events follow. Never commits."""

from __future__ import annotations

from typing import Any

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ProjectHealthChanged, StatusReportSubmitted
from pmo_common.db import new_id, utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.evm.stages import stage_on
from pmo_reporting.logic.evm import Evm, Progress, compute_evm, rounded_ratio
from pmo_reporting.logic.targets import report_age_days
from pmo_reporting.readmodels.baselines import plans_of
from pmo_reporting.readmodels.models import Figures, ProjectView
from pmo_reporting.readmodels.repository import bump_versions
from pmo_reporting.status_reports import repository
from pmo_reporting.status_reports.models import END_OF_TIME, ProjectHealth, StatusReport
from pmo_reporting.status_reports.schemas import ProjectHealthRead, StatusReportCreate, StatusReportRead
from pmo_reporting.targets.repository import targets_for

STATUS_REPORTS: Aggregate[StatusReport] = Aggregate("status_report", read=StatusReportRead.model_validate)
HEALTH: Aggregate[ProjectHealth] = Aggregate("project_health", read=ProjectHealthRead.model_validate)


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
    # One submission per project at a time, under the project's row lock (PostgreSQL): each places
    # itself in the project's report timeline and versions its health, and two side by side would
    # read the same state; a baseline or budget that arrives meanwhile waits (`rederive` takes it too).
    await repository.lock_project(session, project.id)
    evm = await _evm_at_submission(session, project, body)
    report = StatusReport(
        **body.model_dump(exclude={"actions"}),
        id=new_id(),
        actions=[a.model_dump(mode="json") for a in body.actions],
        project_id=project.id,
        portfolio_id=project.portfolio_id,
        suggested_rag=evm.suggested_rag,
        submitted_by=principal.sub,
        submitted_at=utcnow(),
        ev_effective=evm.ev,
    )
    report.superseded_on = await repository.place_in_timeline(
        session, project.id, report.id, report.as_of, report.submitted_at
    )
    latest = report.superseded_on == END_OF_TIME
    if latest:
        repository.set_latest(project, report)
    await STATUS_REPORTS.create(
        session, report, principal, StatusReportSubmitted, extra=_submitted(report, evm)
    )
    await bump_versions(session, project.portfolio_id, figures=Figures.REPORTS)
    if latest:  # a late report for an earlier date changes nothing about the project's health
        await _track_health(session, report, evm, principal)
    return report


async def _evm_at_submission(session: AsyncSession, project: ProjectView, body: StatusReportCreate) -> Evm:
    """The report's figures as of its own date, against the plan then in force, judged by the
    portfolio's current targets (the report's age is 0 on its date: green for a project reporting)."""
    plan = (await plans_of(session, project)).on(body.as_of)
    targets = await targets_for(session, project.portfolio_id)
    age = report_age_days(body.as_of, body.as_of, await stage_on(session, project, body.as_of))
    return compute_evm(plan, progress_of(body), body.as_of, targets=targets, report_age_days=age)


def _submitted(report: StatusReport, evm: Evm) -> dict[str, Any]:
    """`status_report.submitted` beyond the report's columns: its actions as the body gave them (the
    portfolio's action register lists them) and its EVM ratios as computed at submission."""
    return {
        "actions": [dict(action) for action in report.actions],
        "spi": rounded_ratio(evm.spi),
        "cpi": rounded_ratio(evm.cpi),
    }


async def _track_health(session: AsyncSession, report: StatusReport, evm: Evm, principal: Principal) -> None:
    """Announce `project.health_changed` when the project's new latest report brings a different
    overall or suggested RAG (the first report always does)."""
    health = await repository.health(session, report.project_id)
    if health is None:
        health = ProjectHealth(project_id=report.project_id, version=0)  # inserted at version 1
        session.add(health)
    previous = {"previous_overall": health.overall, "previous_suggested_rag": health.suggested_rag}
    async with HEALTH.change(session, health, principal, ProjectHealthChanged, action="health_changed") as c:
        health.overall, health.suggested_rag = report.overall, report.suggested_rag
        c.extra = {
            **previous,
            "portfolio_id": report.portfolio_id,
            "as_of": report.as_of,
            "spi": rounded_ratio(evm.spi),
            "cpi": rounded_ratio(evm.cpi),
        }

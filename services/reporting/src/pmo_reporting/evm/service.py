"""A project's earned value as of a date, and its monthly S-curve series, each figure against the
baseline in force on its date (`logic.plans`)."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.evm.schemas import EvmPoint, EvmRead, EvmSeries
from pmo_reporting.evm.stages import stage_changes, stage_on, stage_on_date
from pmo_reporting.logic.evm import Baseline, compute_evm
from pmo_reporting.logic.periods import latest_on_or_before, month_end, month_span
from pmo_reporting.logic.plans import ProjectPlans
from pmo_reporting.logic.schedule import earned_schedule
from pmo_reporting.logic.targets import DEFAULT_TARGETS, Targets, report_age_days
from pmo_reporting.readmodels.baselines import plans_of
from pmo_reporting.readmodels.models import ProjectView
from pmo_reporting.status_reports import repository
from pmo_reporting.status_reports.models import StatusReport
from pmo_reporting.status_reports.service import progress_of
from pmo_reporting.targets.repository import targets_for

MAX_SERIES_MONTHS = 240


def evm_point(
    plan: Baseline,
    report: StatusReport | None,
    as_of: date,
    targets: Targets = DEFAULT_TARGETS,
    stage: str | None = None,
) -> EvmRead:
    """The figures as of a date against `plan`, from the report in effect then (None: no report).
    EV is the report's effective one (valued against the plan in force on the report's date). The
    suggested RAG is judged by the portfolio's `targets`, the report's age counting while the
    project's `stage` on the date is one that reports."""
    progress = None
    if report is not None:
        progress = dataclasses.replace(progress_of(report), earned_value=report.ev_effective)
    age = report_age_days(report.as_of if report else None, as_of, stage)
    evm = compute_evm(plan, progress, as_of, targets=targets, report_age_days=age)
    schedule = earned_schedule(plan.planned_cost, evm.ev, as_of)
    return EvmRead.of(evm, as_of, report.id if report else None, schedule, plan.number)


async def evm_as_of(session: AsyncSession, project: ProjectView, as_of: date) -> EvmRead:
    plans = await plans_of(session, project)
    report = await repository.latest(session, project.id, as_of)
    targets = await targets_for(session, project.portfolio_id)
    return evm_point(plans.on(as_of), report, as_of, targets, await stage_on(session, project, as_of))


def _span(plans: ProjectPlans, reports: list[StatusReport]) -> list[date]:
    """Every date the series should cover: each plan's dates (current and baselines) and the reports'."""
    terms = [plans.current, *(b.terms for b in plans.baselines)]
    dates = [d for t in terms for d in (t.start_date, t.finish_date) if d is not None]
    return dates + [r.as_of for r in reports]


async def evm_series(session: AsyncSession, project: ProjectView) -> EvmSeries:
    """Month-end points from the earliest plan start or report (whichever is first) to the latest
    plan finish or report; the last MAX_SERIES_MONTHS months at most."""
    reports = await repository.all_for_project(session, project.id)
    plans = await plans_of(session, project)
    dates = _span(plans, reports)
    if not dates:
        return EvmSeries(project_id=project.id, items=[])
    targets, changes = (
        await targets_for(session, project.portfolio_id),
        await stage_changes(session, project.id),
    )
    items = []
    for month in month_span(min(dates), max(dates), max_months=MAX_SERIES_MONTHS):
        as_of = month_end(month)
        report, stage = latest_on_or_before(reports, as_of), stage_on_date(project, changes, as_of)
        point = evm_point(plans.on(as_of), report, as_of, targets, stage)
        items.append(EvmPoint(**point.model_dump(), month=month))
    return EvmSeries(project_id=project.id, items=items)

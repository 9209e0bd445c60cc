"""A project's earned value as of a date, and its monthly S-curve series."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.evm.schemas import EvmPoint, EvmRead, EvmSeries
from pmo_reporting.logic.evm import compute_evm
from pmo_reporting.logic.periods import latest_on_or_before, month_end, month_span
from pmo_reporting.readmodels.models import ProjectView
from pmo_reporting.status_reports import repository
from pmo_reporting.status_reports.service import baseline_of, progress_of

MAX_SERIES_MONTHS = 240


async def evm_as_of(session: AsyncSession, project: ProjectView, as_of: date) -> EvmRead:
    report = await repository.latest(session, project.id, as_of)
    evm = compute_evm(baseline_of(project), progress_of(report) if report else None, as_of)
    return EvmRead.of(evm, as_of, report.id if report else None)


async def evm_series(session: AsyncSession, project: ProjectView) -> EvmSeries:
    """Month-end points from the first report (or the baseline start, if earlier) to the last report
    (or the baseline finish, if later); the last MAX_SERIES_MONTHS months at most."""
    reports = await repository.all_for_project(session, project.id)
    dates = [d for d in (project.start_date, project.finish_date) if d is not None]
    dates += [r.as_of for r in reports]
    if not dates:
        return EvmSeries(project_id=project.id, items=[])
    baseline = baseline_of(project)
    items = []
    for month in month_span(min(dates), max(dates), max_months=MAX_SERIES_MONTHS):
        as_of = month_end(month)
        report = latest_on_or_before(reports, as_of)
        evm = compute_evm(baseline, progress_of(report) if report else None, as_of)
        point = EvmRead.of(evm, as_of, report.id if report else None)
        items.append(EvmPoint(**point.model_dump(), month=month))
    return EvmSeries(project_id=project.id, items=items)

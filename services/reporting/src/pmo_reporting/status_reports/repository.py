from __future__ import annotations

import uuid
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from pmo_common.http import Repository
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.evm import Progress, earned_value
from pmo_reporting.readmodels.baselines import plans_of
from pmo_reporting.readmodels.models import ProjectView
from pmo_reporting.status_reports.models import END_OF_TIME, ProjectHealth, StatusReport

# Newest first; among reports for one date, the later-submitted first; id makes the order total.
NEWEST_FIRST = [(StatusReport.as_of, True), (StatusReport.submitted_at, True), (StatusReport.id, True)]
REPORTS = Repository(StatusReport, NEWEST_FIRST)


async def list_page(
    session: AsyncSession, project_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[StatusReport], str | None]:
    return await REPORTS.list_page(session, StatusReport.project_id == project_id, limit=limit, cursor=cursor)


async def latest(
    session: AsyncSession, project_id: uuid.UUID, as_of: date | None = None
) -> StatusReport | None:
    """The latest report on or before `as_of` (any date when None); ties: the later-submitted."""
    stmt = select(StatusReport).where(StatusReport.project_id == project_id)
    if as_of is not None:
        stmt = stmt.where(StatusReport.as_of <= as_of)
    stmt = stmt.order_by(*[col.desc() for col, _ in NEWEST_FIRST]).limit(1)
    return (await session.scalars(stmt)).first()


async def all_for_project(session: AsyncSession, project_id: uuid.UUID) -> list[StatusReport]:
    stmt = select(StatusReport).where(StatusReport.project_id == project_id).order_by(StatusReport.as_of)
    return list((await session.scalars(stmt)).all())


async def health(session: AsyncSession, project_id: uuid.UUID) -> ProjectHealth | None:
    return await session.get(ProjectHealth, project_id)


async def get(session: AsyncSession, project_id: uuid.UUID, report_id: uuid.UUID) -> StatusReport | None:
    report = await REPORTS.get(session, report_id)
    return report if report is not None and report.project_id == project_id else None


async def lock_project(session: AsyncSession, project_id: uuid.UUID) -> None:
    """The project's row lock until the transaction ends (PostgreSQL; SQLite serialises every
    writer): a submission and a re-derivation of the project's reports go one at a time."""
    await session.execute(select(ProjectView.id).where(ProjectView.id == project_id).with_for_update())


async def place_in_timeline(
    session: AsyncSession, project_id: uuid.UUID, report_id: uuid.UUID, as_of: date, submitted_at: datetime
) -> date:
    """Maintain `superseded_on` for a report about to be inserted; returns the new report's own.

    Per project the reports in effect form a timeline: the winner of each date (the later
    submission; id breaks ties) is in effect from its date until the next date with a report.
    Reports may arrive out of order, so the new one may cut an earlier winner's period short,
    replace the winner of its own date, or lose to it. Under the project's lock (`lock_project`)."""
    r = StatusReport
    same_day = (
        await session.execute(
            select(r.id, r.submitted_at).where(r.project_id == project_id, r.as_of == as_of)
        )
    ).all()
    if any((other_at, str(other)) > (submitted_at, str(report_id)) for other, other_at in same_day):
        return as_of  # a later submission for the same date stays in effect: this one never is
    following = await session.scalar(
        select(func.min(r.as_of)).where(r.project_id == project_id, r.as_of > as_of)
    )
    await session.execute(
        update(r)
        .where(
            r.project_id == project_id,
            or_(r.as_of == as_of, and_(r.as_of < as_of, r.superseded_on > as_of)),
        )
        .values(superseded_on=as_of)
        .execution_options(synchronize_session=False)
    )
    return following or END_OF_TIME


async def rederive(session: AsyncSession, project: ProjectView) -> None:
    """After the project's plans changed (a baseline arrived, its budget changed, its row was
    rebuilt): re-derive `ev_effective` of its reports that state no earned value (percent_complete ×
    the BAC in force on the report's date, `logic.plans`), and copy the latest report's figures onto
    the project row. Under the project's row lock, taken as a submission takes it."""
    r = StatusReport
    await lock_project(session, project.id)
    plans = await plans_of(session, project)
    rows = (
        await session.execute(
            select(
                r.id,
                r.percent_complete,
                r.earned_value,
                r.ev_effective,
                r.superseded_on,
                r.as_of,
                r.overall,
                r.planned_value,
                r.actual_cost,
                r.forecast_cost,
                r.forecast_finish_date,
            ).where(r.project_id == project.id)
        )
    ).all()
    changed, latest = [], None
    for row in rows:
        ev = row.earned_value
        if ev is None:
            ev = earned_value(plans.on(row.as_of), Progress(row.percent_complete, None))
            if ev != row.ev_effective:
                changed.append({"id": row.id, "ev_effective": ev})
        if row.superseded_on == END_OF_TIME:
            latest = SimpleNamespace(**(row._asdict() | {"ev_effective": ev}))
    if changed:
        await session.execute(update(StatusReport), changed)
    set_latest(project, latest)


def set_latest(project: ProjectView, report: Any) -> None:
    """`report`: a StatusReport (or a row with its figures), or None."""
    project.report_as_of = report.as_of if report else None
    project.report_overall = report.overall if report else None
    project.report_pv = report.planned_value if report else None
    project.report_ev = report.ev_effective if report else None
    project.report_ac = report.actual_cost if report else None
    project.report_forecast_cost = report.forecast_cost if report else None
    project.report_forecast_finish = report.forecast_finish_date if report else None

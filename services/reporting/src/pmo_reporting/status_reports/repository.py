from __future__ import annotations

import uuid
from datetime import date

from pmo_common.http import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.status_reports.models import ProjectHealth, StatusReport

# Newest first; among reports for one date, the later-submitted first; id makes the order total.
NEWEST_FIRST = [(StatusReport.as_of, True), (StatusReport.submitted_at, True), (StatusReport.id, True)]


async def list_page(
    session: AsyncSession, project_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[StatusReport], str | None]:
    stmt = select(StatusReport).where(StatusReport.project_id == project_id)
    return await paginate(session, stmt, NEWEST_FIRST, limit, cursor)


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
    report = await session.get(StatusReport, report_id)
    return report if report is not None and report.project_id == project_id else None

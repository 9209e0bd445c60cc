"""The portfolio-wide queries behind dashboards, KPIs and exports: a few set-based statements per
request (no per-project queries), aggregated in SQL where the figure is a count or a sum.

Each figure is answered "as of" a date. For today or later the current-state tables answer (events
are never dated in the future); for a past date the history tables do, taking per aggregate the
newest version in effect by the end of that day.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Subquery, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.readmodels.models import (
    CapacityCell,
    DemandCell,
    Overallocation,
    ProjectStageHistory,
    ProjectView,
    RiskHistory,
    RiskView,
)
from pmo_reporting.status_reports.models import ProjectHealth, StatusReport

ResultRow = Row[*tuple[Any, ...]]
"""A result row with named columns (project, report or risk figures)."""

REPORT_COLUMNS = (
    StatusReport.id,
    StatusReport.project_id,
    StatusReport.as_of,
    StatusReport.overall,
    StatusReport.percent_complete,
    StatusReport.actual_cost,
    StatusReport.planned_value,
    StatusReport.earned_value,
    StatusReport.forecast_cost,
    StatusReport.forecast_finish_date,
    StatusReport.submitted_at,
)


def end_of_day(as_of: date) -> datetime:
    """The first instant after `as_of` (UTC): history in effect "as of" a date is before it."""
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


async def projects_as_of(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> Sequence[ResultRow]:
    """The portfolio's live projects as of the date: id, code, name, manager, stage and the
    baseline (the current budget and dates; stage and membership from history)."""
    baseline = (
        ProjectView.id,
        ProjectView.code,
        ProjectView.name,
        ProjectView.manager,
        ProjectView.budget,
        ProjectView.start_date,
        ProjectView.finish_date,
    )
    if current:
        stmt = select(*baseline, ProjectView.stage).where(
            ProjectView.portfolio_id == portfolio_id, ProjectView.deleted.is_(False)
        )
    else:
        h = ProjectStageHistory
        latest = (
            select(h.project_id, func.max(h.version).label("v"))
            .where(h.portfolio_id == portfolio_id, h.effective_at < end_of_day(as_of))
            .group_by(h.project_id)
            .subquery()
        )
        stmt = (
            select(*baseline, h.stage)
            .join(latest, and_(h.project_id == latest.c.project_id, h.version == latest.c.v))
            .join(ProjectView, ProjectView.id == h.project_id)
            .where(h.deleted.is_(False))
        )
    return (await session.execute(stmt.order_by(ProjectView.code, ProjectView.id))).all()


async def latest_reports(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> dict[uuid.UUID, ResultRow]:
    """Per project, the latest report on or before the date (ties: the later-submitted)."""
    if current:
        # Reports are never dated in the future, so the latest overall is the one `project_health` tracks.
        stmt = (
            select(*REPORT_COLUMNS)
            .join(ProjectHealth, ProjectHealth.latest_report_id == StatusReport.id)
            .where(StatusReport.portfolio_id == portfolio_id)
        )
    else:
        # Per project the latest date on or before as_of (a streaming GROUP BY on the index), then
        # that date's reports; several on one date are settled below by submission time.
        latest = (
            select(StatusReport.project_id, func.max(StatusReport.as_of).label("as_of"))
            .where(StatusReport.portfolio_id == portfolio_id, StatusReport.as_of <= as_of)
            .group_by(StatusReport.project_id)
            .subquery()
        )
        stmt = select(*REPORT_COLUMNS).join(
            latest, and_(StatusReport.project_id == latest.c.project_id, StatusReport.as_of == latest.c.as_of)
        )
    chosen: dict[uuid.UUID, ResultRow] = {}
    for row in (await session.execute(stmt)).all():
        best = chosen.get(row.project_id)
        if best is None or (row.submitted_at, str(row.id)) > (best.submitted_at, str(best.id)):
            chosen[row.project_id] = row
    return chosen


def _risk_state(portfolio_id: uuid.UUID, as_of: date, *, current: bool) -> Subquery:
    """The portfolio's open risks as of the date, one row each."""
    if current:
        r = RiskView
        return (
            select(r.id, r.project_id, r.title, r.probability, r.impact, r.score, r.level, r.emv, r.escalated)
            .where(r.portfolio_id == portfolio_id, r.is_open.is_(True))
            .subquery("risks")
        )
    h = RiskHistory
    latest = (
        select(h.risk_id, func.max(h.version).label("v"))
        .where(h.portfolio_id == portfolio_id, h.effective_at < end_of_day(as_of))
        .group_by(h.risk_id)
        .subquery()
    )
    return (
        select(
            h.risk_id.label("id"),
            h.project_id,
            h.title,
            h.probability,
            h.impact,
            h.score,
            h.level,
            h.emv,
            h.escalated,
        )
        .join(latest, and_(h.risk_id == latest.c.risk_id, h.version == latest.c.v))
        .where(h.is_open.is_(True))
        .subquery("risks")
    )


@dataclass
class RiskFigures:
    open: int
    escalated: int
    emv_total: Decimal
    by_level: dict[str, int]
    escalated_by_project: dict[uuid.UUID, int]
    top: list[ResultRow]
    heatmap: dict[tuple[int, int], int]


async def risk_figures(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool, top: int = 10
) -> RiskFigures:
    risks = _risk_state(portfolio_id, as_of, current=current)
    escalated = func.sum(case((risks.c.escalated.is_(True), 1), else_=0))
    cells = (
        await session.execute(
            select(
                risks.c.level,
                risks.c.probability,
                risks.c.impact,
                func.count().label("n"),
                escalated.label("escalated"),
                func.sum(risks.c.emv).label("emv"),
            ).group_by(risks.c.level, risks.c.probability, risks.c.impact)
        )
    ).all()
    by_project = (
        await session.execute(
            select(risks.c.project_id, func.count())
            .where(risks.c.escalated.is_(True), risks.c.project_id.is_not(None))
            .group_by(risks.c.project_id)
        )
    ).all()
    top_rows = (
        (
            await session.execute(
                select(risks).order_by(risks.c.score.desc(), risks.c.emv.desc(), risks.c.id).limit(top)
            )
        ).all()
        if top
        else []
    )
    figures = RiskFigures(0, 0, Decimal("0.00"), {}, {pid: n for pid, n in by_project}, list(top_rows), {})
    for row in cells:  # at most levels × 25 cells
        figures.open += row.n
        figures.escalated += int(row.escalated or 0)
        figures.emv_total += row.emv or Decimal("0.00")
        figures.by_level[row.level] = figures.by_level.get(row.level, 0) + row.n
        cell = (row.probability, row.impact)
        figures.heatmap[cell] = figures.heatmap.get(cell, 0) + row.n
    return figures


async def capacity_figures(session: AsyncSession, period: str) -> tuple[dict[str, float], dict[str, float]]:
    """Org-wide capacity and demand hours by role for one month (people serve every portfolio)."""
    capacity = (
        await session.execute(
            select(CapacityCell.role, CapacityCell.hours).where(CapacityCell.period == period)
        )
    ).all()
    demand = (
        await session.execute(
            select(DemandCell.role, func.sum(DemandCell.hours))
            .where(DemandCell.period == period)
            .group_by(DemandCell.role)
        )
    ).all()
    return {r: float(h) for r, h in capacity}, {r: float(h or 0) for r, h in demand}


async def overallocations(session: AsyncSession, period: str, limit: int = 100) -> list[Overallocation]:
    stmt = (
        select(Overallocation)
        .where(Overallocation.period == period)
        .order_by(Overallocation.excess_hours.desc(), Overallocation.resource_id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())

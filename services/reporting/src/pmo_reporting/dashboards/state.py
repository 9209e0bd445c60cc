"""What was in effect "as of" a date: a portfolio's projects (with their stage and membership then),
the status report each had in effect, and its open risks.

For today or later the current-state tables answer (events are never dated in the future); for a
past date the history tables do, taking per aggregate the newest version in effect by the end of
that day (the `superseded_at` / `superseded_on` timelines the writers maintain).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, select

from pmo_reporting.dashboards.expressions import not_indexed
from pmo_reporting.readmodels.models import ProjectStageHistory, ProjectView, RiskHistory, RiskView
from pmo_reporting.status_reports.models import StatusReport


def end_of_day(as_of: date) -> datetime:
    """The first instant after `as_of` (UTC): history in effect "as of" a date is before it."""
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


def project_state(portfolio_id: uuid.UUID, as_of: date, *, current: bool) -> Select[Any]:
    """The portfolio's live projects as of the date: the baseline (the current budget and dates)
    with the stage and membership in effect then (from history for a past date)."""
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
        return select(*baseline, ProjectView.stage).where(
            ProjectView.portfolio_id == portfolio_id, ProjectView.deleted.is_(False)
        )
    h, until = ProjectStageHistory, end_of_day(as_of)
    return (
        select(*baseline, h.stage)
        .join(ProjectView, ProjectView.id == h.project_id)
        .where(
            h.portfolio_id == portfolio_id,
            h.superseded_at >= until,
            h.effective_at < until,
            h.deleted.is_(False),
        )
    )


def report_in_effect(portfolio_id: uuid.UUID, project_id: Any, as_of: date) -> ColumnElement[bool]:
    """The project's latest report on or before the date (its place in the timeline that
    `status_reports.repository.place_in_timeline` maintains)."""
    return and_(
        StatusReport.project_id == project_id,
        StatusReport.superseded_on > as_of,
        StatusReport.as_of <= as_of,
        StatusReport.portfolio_id == portfolio_id,
    )


def project_reports(portfolio_id: uuid.UUID, as_of: date, *, current: bool, detail: bool = False) -> Subquery:
    """The live projects with the figures of their report in effect on the date (NULLs without
    one). Current figures are copied on the project rows; past ones come from the timeline, as do
    the report's other fields (`detail`: the manager, percent complete and forecasts too)."""
    if current and not detail:
        p = ProjectView
        return (
            select(
                p.id,
                p.code,
                p.name,
                p.stage,
                p.budget,
                p.start_date,
                p.finish_date,
                p.report_as_of,
                p.report_overall.label("overall"),
                p.report_pv,
                p.report_ev,
                p.report_ac,
            )
            .where(p.portfolio_id == portfolio_id, p.deleted.is_(False))
            .subquery("projects")
        )
    projects = project_state(portfolio_id, as_of, current=current).subquery("state")
    r = StatusReport
    stmt = select(
        *(
            projects.c[name]
            for name in ("id", "code", "name", "stage", "budget", "start_date", "finish_date")
        ),
        r.as_of.label("report_as_of"),
        r.overall,
        r.planned_value.label("report_pv"),
        r.ev_effective.label("report_ev"),
        r.actual_cost.label("report_ac"),
    )
    if detail:
        stmt = stmt.add_columns(
            projects.c.manager, r.percent_complete, r.forecast_cost, r.forecast_finish_date
        )
    return stmt.outerjoin(r, report_in_effect(portfolio_id, projects.c.id, as_of)).subquery("projects")


def risk_state(portfolio_id: uuid.UUID, as_of: date, *, current: bool, by_score: bool = False) -> Subquery:
    """The portfolio's open risks as of the date, one row each (`by_score`: read in score order)."""
    if current:
        r = RiskView
        return (
            select(r.id, r.project_id, r.title, r.probability, r.impact, r.score, r.level, r.emv, r.escalated)
            .where(r.portfolio_id == portfolio_id, r.is_open.is_(True))
            .subquery("risks")
        )
    h, until = RiskHistory, end_of_day(as_of)
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
        .where(
            h.portfolio_id == portfolio_id,
            h.is_open.is_(True),
            (not_indexed(h.superseded_at) if by_score else h.superseded_at) >= until,
            h.effective_at < until,
        )
        .subquery("risks")
    )


def escalated_by_project(portfolio_id: uuid.UUID, as_of: date, *, current: bool) -> Subquery:
    """Per project, its open escalated risks as of the date."""
    if current:
        r = RiskView
        where = [r.portfolio_id == portfolio_id, r.is_open.is_(True)]
        project, escalated = r.project_id, r.escalated
    else:
        h, until = RiskHistory, end_of_day(as_of)
        where = [
            h.portfolio_id == portfolio_id,
            h.is_open.is_(True),
            h.superseded_at >= until,
            h.effective_at < until,
        ]
        project, escalated = h.project_id, h.escalated
    return (
        select(project.label("project_id"), func.count().label("n"))
        .where(*where, escalated.is_(True), project.is_not(None))
        .group_by(project)
        .subquery("escalated")
    )

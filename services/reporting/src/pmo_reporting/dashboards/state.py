"""What was in effect "as of" a date: a portfolio's projects (with their stage, membership and
structure then, and the plan in force: the baseline, or the current fields of a project without one),
the status report each had in effect, and its open risks; narrowed to a `logic.structure.Scope`
(a programme, tags, field values) where asked.

For today or later the current-state tables answer (events are never dated in the future); for a
past date the history tables do, taking per aggregate the newest version in effect by the end of
that day (the `superseded_at` / `superseded_on` timelines the writers maintain). Baselines are
looked up by date either way: the one in force at the end of the as-of day.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)

from pmo_reporting.dashboards.expressions import cents, not_indexed, round_half_even
from pmo_reporting.logic.periods import end_of_day, month_of
from pmo_reporting.logic.structure import EVERYTHING, Scope
from pmo_reporting.readmodels.models import (
    CURRENT_PLAN,
    BaselineView,
    PlanPeriod,
    ProjectFacet,
    ProjectStageHistory,
    ProjectView,
    RiskHistory,
    RiskView,
)
from pmo_reporting.status_reports.models import StatusReport


def in_force(project_id: Any, as_of: date) -> ColumnElement[bool]:
    """The project's baseline in force on the date (`logic.plans`): approved before the day ends
    (or the first one, which also serves earlier dates) and not superseded by then."""
    b, until = BaselineView, end_of_day(as_of)
    return and_(
        b.project_id == project_id,
        or_(b.approved_at < until, b.first.is_(True)),
        b.superseded_at >= until,
    )


def plan_columns(p: Any = ProjectView) -> list[ColumnElement[Any]]:
    """The plan's budget, dates and number: the joined baseline's, else the project's current ones."""
    b = BaselineView
    known = b.number.is_not(None)
    return [
        func.coalesce(b.budget, p.budget).label("budget"),
        case((known, b.start_date), else_=p.start_date).label("start_date"),
        case((known, b.finish_date), else_=p.finish_date).label("finish_date"),
        func.coalesce(b.number, CURRENT_PLAN).label("plan_number"),
    ]


def profiled_pv_cents(project_id: Any, number: Any, as_of: date) -> ColumnElement[Any]:
    """`logic.schedule.profiled_value` in cents for the plan's cost profile (NULL: it has none): the
    months before the as-of month whole, and d/n of its own, the sum rounded half-even once (in
    n-ths of a cent, so exactly as Python rounds the exact sum)."""
    month, days = month_of(as_of), calendar.monthrange(as_of.year, as_of.month)[1]
    amount = cents(PlanPeriod.amount)
    nths = case(
        (PlanPeriod.period < month, amount * days),
        (PlanPeriod.period == month, amount * as_of.day),
        else_=literal(0, BigInteger),
    )
    # Rounded inside the subquery: `round_half_even` names its numerator four times, and a subquery
    # there would be run four times a project; the one aggregate of a SELECT is computed once.
    total = cast(func.sum(nths), BigInteger)
    return (
        select(round_half_even(total, literal(days, BigInteger)))
        .where(PlanPeriod.project_id == project_id, PlanPeriod.number == number)
        .scalar_subquery()
    )


def past_finish(recorded_finish: Any) -> ColumnElement[Any]:
    """`project_finish` as of a past date: the finish date history recorded then when a baseline was
    in force, else the plan's (so that a project without a baseline never slips)."""
    return case((BaselineView.number.is_not(None), recorded_finish), else_=ProjectView.finish_date).label(
        "project_finish"
    )


def project_state(
    portfolio_id: uuid.UUID, as_of: date, *, current: bool, scope: Scope = EVERYTHING
) -> Select[Any]:
    """The portfolio's live projects as of the date that `scope` covers: the plan in force then, with
    the stage, membership and structure in effect then (from history for a past date): manager,
    programme, `version` (whose `ProjectFacet` rows hold its tags and field values) and
    `project_finish`, the project's own finish date (the plan's when it has no baseline, so that
    without a reported forecast such a project never slips)."""
    p = ProjectView
    plan = plan_columns(p)
    if current:
        stmt = select(
            p.id,
            p.code,
            p.name,
            p.manager,
            p.programme_id,
            p.version,
            *plan,
            p.stage,
            p.finish_date.label("project_finish"),
        )
        return stmt.outerjoin(BaselineView, in_force(p.id, as_of)).where(*_live_now(portfolio_id, scope))
    h = ProjectStageHistory
    return (
        select(
            p.id,
            p.code,
            p.name,
            h.manager,
            h.programme_id,
            h.version,
            *plan,
            h.stage,
            past_finish(h.finish_date),
        )
        .select_from(h)
        .join(p, p.id == h.project_id)
        .outerjoin(BaselineView, in_force(p.id, as_of))
        .where(*_live_then(portfolio_id, as_of, scope))
    )


def _live_now(portfolio_id: uuid.UUID, scope: Scope) -> list[ColumnElement[bool]]:
    p = ProjectView
    return [
        p.portfolio_id == portfolio_id,
        p.deleted.is_(False),
        *narrowing(scope, p.id, p.version, p.programme_id),
    ]


def _live_then(portfolio_id: uuid.UUID, as_of: date, scope: Scope) -> list[ColumnElement[bool]]:
    h, until = ProjectStageHistory, end_of_day(as_of)
    return [
        h.portfolio_id == portfolio_id,
        h.superseded_at >= until,
        h.effective_at < until,
        h.deleted.is_(False),
        *narrowing(scope, h.project_id, h.version, h.programme_id),
    ]


def live_project_ids(
    portfolio_id: uuid.UUID, as_of: date, *, current: bool, scope: Scope = EVERYTHING
) -> Select[Any]:
    """The ids of the projects `project_state` gives, without its columns (for an `IN`): building
    that statement's columns, and a subquery's column collection over them, cost a dashboard a few
    milliseconds of Python for each set of ids it asked for."""
    if current:
        return select(ProjectView.id).where(*_live_now(portfolio_id, scope))
    h = ProjectStageHistory
    return (
        select(h.project_id)
        .join(ProjectView, ProjectView.id == h.project_id)
        .where(*_live_then(portfolio_id, as_of, scope))
    )


def narrowing(scope: Scope, project_id: Any, version: Any, programme_id: Any) -> list[ColumnElement[bool]]:
    """`Scope.covers` for the project version (`project_id`, `version`): its programme, and a facet
    row for every tag and field value asked for."""
    f = ProjectFacet

    def facet(kind: str, key: str, value: str | None = None) -> ColumnElement[bool]:
        match = [f.project_id == project_id, f.version == version, f.kind == kind, f.key == key]
        return exists().where(*match, *([] if value is None else [f.value == value]))

    conditions = [] if scope.programme_id is None else [programme_id == scope.programme_id]
    conditions += [facet("tag", tag) for tag in dict.fromkeys(scope.tags)]
    conditions += [facet("field", key, value) for key, value in scope.fields]
    return conditions


def report_in_effect(portfolio_id: uuid.UUID, project_id: Any, as_of: date) -> ColumnElement[bool]:
    """The project's latest report on or before the date (its place in the timeline that
    `status_reports.repository.place_in_timeline` maintains)."""
    # Through `ix_status_reports_project_superseded`: the portfolio's index would read every earlier
    # report of the project (a table row each) to find the one not superseded by the date.
    return and_(
        StatusReport.project_id == project_id,
        StatusReport.superseded_on > as_of,
        StatusReport.as_of <= as_of,
        not_indexed(StatusReport.portfolio_id) == portfolio_id,
    )


STRUCTURE = ("manager", "programme_id", "version", "project_finish")
"""What `project_reports` carries of each project's structure besides its figures."""


def project_reports(
    portfolio_id: uuid.UUID, as_of: date, *, current: bool, detail: bool = False, scope: Scope = EVERYTHING
) -> Subquery:
    """The live projects `scope` covers with the figures of their report in effect on the date
    (NULLs without one), its forecasts and the projects' `STRUCTURE`. Current figures are copied on
    the project rows (`status_reports.repository.set_latest`); past ones come from the timeline, as
    do the report's other fields (`detail`: percent complete too)."""
    if current and not detail:
        p = ProjectView
        stmt = (
            select(
                p.id,
                p.code,
                p.name,
                p.stage,
                *plan_columns(p),
                p.report_as_of,
                p.report_overall.label("overall"),
                p.report_pv,
                p.report_ev,
                p.report_ac,
                p.report_forecast_cost.label("forecast_cost"),
                p.report_forecast_finish.label("forecast_finish_date"),
                p.manager,
                p.programme_id,
                p.version,
                p.finish_date.label("project_finish"),
            )
            .outerjoin(BaselineView, in_force(p.id, as_of))
            .where(p.portfolio_id == portfolio_id, p.deleted.is_(False))
        )
        return stmt.where(*narrowing(scope, p.id, p.version, p.programme_id)).subquery("projects")
    projects = project_state(portfolio_id, as_of, current=current, scope=scope).subquery("state")
    r = StatusReport
    stmt = select(
        *(
            projects.c[name]
            for name in ("id", "code", "name", "stage", "budget", "start_date", "finish_date", "plan_number")
        ),
        r.as_of.label("report_as_of"),
        r.overall,
        r.planned_value.label("report_pv"),
        r.ev_effective.label("report_ev"),
        r.actual_cost.label("report_ac"),
        r.forecast_cost,
        r.forecast_finish_date,
        *(projects.c[name] for name in STRUCTURE),
    )
    if detail:
        stmt = stmt.add_columns(r.percent_complete)
    return stmt.outerjoin(r, report_in_effect(portfolio_id, projects.c.id, as_of)).subquery("projects")


def risk_state(
    portfolio_id: uuid.UUID,
    as_of: date,
    *,
    current: bool,
    by_score: bool = False,
    projects: Select[Any] | None = None,
) -> Subquery:
    """The portfolio's open risks as of the date, one row each (`by_score`: read in score order);
    with `projects` (a select of project ids) only the risks of those projects."""
    if current:
        r = RiskView
        return (
            select(r.id, r.project_id, r.title, r.probability, r.impact, r.score, r.level, r.emv, r.escalated)
            .where(r.portfolio_id == portfolio_id, r.is_open.is_(True))
            .where(*([] if projects is None else [r.project_id.in_(projects)]))
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
        .where(*([] if projects is None else [h.project_id.in_(projects)]))
        .subquery("risks")
    )


def covered_ids(portfolio_id: uuid.UUID, as_of: date, *, current: bool, scope: Scope) -> Select[Any] | None:
    """The ids of the projects a narrowed `scope` covers as of the date (None: not narrowed, the
    whole portfolio's figures apply)."""
    if not scope.narrowed:
        return None
    return live_project_ids(portfolio_id, as_of, current=current, scope=scope)


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

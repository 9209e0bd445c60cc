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

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from pmo_reporting.logic.evm import RED_BELOW
from pmo_reporting.readmodels.models import (
    CapacityCell,
    DemandCell,
    Overallocation,
    ProjectStageHistory,
    ProjectView,
    RiskHistory,
    RiskView,
)
from pmo_reporting.status_reports.models import StatusReport

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


def _project_state(portfolio_id: uuid.UUID, as_of: date, *, current: bool) -> Select[Any]:
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


async def projects_as_of(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> Sequence[ResultRow]:
    """The portfolio's live projects as of the date: id, code, name, manager, stage and the
    baseline (the current budget and dates; stage and membership from history)."""
    stmt = _project_state(portfolio_id, as_of, current=current)
    return (await session.execute(stmt.order_by(ProjectView.code, ProjectView.id))).all()


def _report_in_effect(portfolio_id: uuid.UUID, project_id: Any, as_of: date) -> ColumnElement[bool]:
    """The project's latest report on or before the date (its place in the timeline that
    `status_reports.repository.place_in_timeline` maintains)."""
    return and_(
        StatusReport.project_id == project_id,
        StatusReport.superseded_on > as_of,
        StatusReport.as_of <= as_of,
        StatusReport.portfolio_id == portfolio_id,
    )


async def latest_reports(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> dict[uuid.UUID, ResultRow]:
    """Per project, the latest report on or before the date (ties: the later-submitted)."""
    projects = _project_state(portfolio_id, as_of, current=current).subquery()
    stmt = select(*REPORT_COLUMNS).join(projects, _report_in_effect(portfolio_id, projects.c.id, as_of))
    return {row.project_id: row for row in (await session.execute(stmt)).all()}


def _risk_state(portfolio_id: uuid.UUID, as_of: date, *, current: bool, by_score: bool = False) -> Subquery:
    """The portfolio's open risks as of the date, one row each."""
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
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    as_of: date,
    *,
    current: bool,
    top: int = 10,
    by_project: bool = True,
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
    escalated_by_project = (
        (
            await session.execute(
                select(risks.c.project_id, func.count())
                .where(risks.c.escalated.is_(True), risks.c.project_id.is_not(None))
                .group_by(risks.c.project_id)
            )
        ).all()
        if by_project
        else []
    )
    # As of a past date, walk the history in score order (its `_top` index) and stop early,
    # rather than sorting every open risk.
    top_source = risks if current else _risk_state(portfolio_id, as_of, current=False, by_score=True)
    top_rows = (
        (
            await session.execute(
                select(top_source)
                .order_by(top_source.c.score.desc(), top_source.c.emv.desc(), top_source.c.id)
                .limit(top)
            )
        ).all()
        if top
        else []
    )
    figures = RiskFigures(
        0, 0, Decimal("0.00"), {}, {pid: n for pid, n in escalated_by_project}, list(top_rows), {}
    )
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


# --- Portfolio figures aggregated in SQL (dashboard, KPIs, S-curve) ---------------------------------
#
# The per-project rules of `logic.evm` evaluated by the database in integer cents, so a dashboard
# reads a handful of grouped rows instead of one row (and one Python EVM computation) per project.
# `tests/test_reporting_dashboard_sql.py` checks them against the per-project Python path.

EVM_STAGES = ("approved", "in_progress", "on_hold", "closed")
REPORTING_STAGES = ("in_progress",)
LATE_AFTER_DAYS = 35
_RED_PERCENT = int(RED_BELOW * 100)  # SPI or CPI below 0.85  <=>  100 * EV < 85 * PV (or AC)


class days_between(FunctionElement[int]):
    """`later - earlier` in days for two DATE expressions."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


class date_value(FunctionElement[date]):
    """A bound date usable in date arithmetic (SQLite keeps dates as ISO text: no CAST there)."""

    type = Date()
    inherit_cache = True


@compiles(date_value)
def _date_value(element: date_value, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(date_value, "sqlite")
def _date_value_sqlite(element: date_value, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


class not_indexed(FunctionElement[Any]):
    """A column the SQLite planner must not pick an index range for (unary +, a no-op on values)."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(not_indexed)
def _not_indexed(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(not_indexed, "sqlite")
def _not_indexed_sqlite(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def _cents(column: Any) -> ColumnElement[int]:
    """A money column as the integer cents it is stored as (no Decimal conversion per row)."""
    return type_coerce(column, BigInteger)


def _round_half_even(numerator: ColumnElement[int], denominator: ColumnElement[int]) -> ColumnElement[int]:
    """numerator / denominator rounded half-even, for numerator >= 0 and denominator > 0 (exact
    integer arithmetic: the same result as logic.evm's Decimal `money()`)."""
    quotient, twice_rest = numerator // denominator, (numerator % denominator) * 2
    return quotient + case(
        (twice_rest > denominator, 1), (and_(twice_rest == denominator, quotient % 2 == 1), 1), else_=0
    )


def _linear_pv_cents(bac: Any, start: Any, finish: Any, day: Any) -> ColumnElement[int]:
    """logic.evm.linear_planned_value in cents: BAC spread evenly over start..finish."""
    return case(
        (or_(start.is_(None), finish.is_(None)), None),
        (day >= finish, bac),
        (day <= start, 0),
        else_=_round_half_even(bac * days_between(day, start), days_between(finish, start)),
    )


def _below_red(ev: Any, base: Any) -> ColumnElement[bool]:
    """ev / base < 0.85 with both known and base non-zero, without dividing."""
    return and_(
        ev.is_not(None),
        or_(
            and_(base > 0, ev * 100 < base * _RED_PERCENT),
            and_(base < 0, ev * 100 > base * _RED_PERCENT),
        ),
    )


def _escalated_by_project(portfolio_id: uuid.UUID, as_of: date, *, current: bool) -> Subquery:
    if current:
        r = RiskView
        where = [r.portfolio_id == portfolio_id, r.is_open.is_(True)]
        project = r.project_id
        escalated = r.escalated
    else:
        h, until = RiskHistory, end_of_day(as_of)
        where = [
            h.portfolio_id == portfolio_id,
            h.is_open.is_(True),
            h.superseded_at >= until,
            h.effective_at < until,
        ]
        project = h.project_id
        escalated = h.escalated
    return (
        select(project.label("project_id"), func.count().label("n"))
        .where(*where, escalated.is_(True), project.is_not(None))
        .group_by(project)
        .subquery("escalated")
    )


def _project_reports(portfolio_id: uuid.UUID, as_of: date, *, current: bool) -> Subquery:
    """The live projects with the figures of their report in effect on the date (NULLs without
    one). Current figures are copied on the project rows; past ones come from the timeline."""
    if current:
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
    projects = _project_state(portfolio_id, as_of, current=False).subquery("state")
    r = StatusReport
    return (
        select(
            projects.c.id,
            projects.c.code,
            projects.c.name,
            projects.c.stage,
            projects.c.budget,
            projects.c.start_date,
            projects.c.finish_date,
            r.as_of.label("report_as_of"),
            r.overall,
            r.planned_value.label("report_pv"),
            r.ev_effective.label("report_ev"),
            r.actual_cost.label("report_ac"),
        )
        .outerjoin(r, _report_in_effect(portfolio_id, projects.c.id, as_of))
        .subquery("projects")
    )


def project_figures(
    portfolio_id: uuid.UUID, as_of: date, *, current: bool, escalations: bool = False
) -> Subquery:
    return _figures(portfolio_id, as_of, current=current, escalations=escalations).subquery("figures")


def _figures(portfolio_id: uuid.UUID, as_of: date, *, current: bool, escalations: bool) -> Select[Any]:
    """One row per live project as of the date, in cents: stage, BAC, the report in effect
    (overall, as_of, AC, EV) and PV (reported, else linear); with `escalations`, the number of
    its open escalated risks and how many attention reasons it has."""
    p = _project_reports(portfolio_id, as_of, current=current)
    day = date_value(literal(as_of, Date))
    bac = _cents(p.c.budget)
    pv = func.coalesce(_cents(p.c.report_pv), _linear_pv_cents(bac, p.c.start_date, p.c.finish_date, day))
    ev, ac = _cents(p.c.report_ev), _cents(p.c.report_ac)
    columns: list[Any] = [
        p.c.id,
        p.c.stage,
        p.c.overall,
        bac.label("bac"),
        pv.label("pv"),
        ev.label("ev"),
        ac.label("ac"),
    ]
    stmt = select(*columns)
    if escalations:
        escalated = _escalated_by_project(portfolio_id, as_of, current=current)
        count = func.coalesce(escalated.c.n, 0)
        late = and_(
            p.c.stage.in_(REPORTING_STAGES),
            or_(p.c.report_as_of.is_(None), days_between(day, p.c.report_as_of) > LATE_AFTER_DAYS),
        )
        reasons = sum(
            (
                case((condition, 1), else_=0)
                for condition in (
                    p.c.overall == "red",
                    _below_red(ev, pv),
                    _below_red(ev, ac),
                    count > 0,
                    late,
                )
            ),
            start=literal(0),
        )
        stmt = stmt.add_columns(
            p.c.code,
            p.c.name,
            p.c.report_as_of,
            count.label("escalated"),
            reasons.label("reasons"),
        ).outerjoin(escalated, escalated.c.project_id == p.c.id)
    return stmt


@dataclass
class EvmGroup:
    stage: str
    overall: str | None
    projects: int
    bac: int
    pv: int
    ev: int
    ac: int


async def evm_groups(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> list[EvmGroup]:
    """Project counts and EVM sums (cents; unknown figures count as zero) by stage and overall RAG."""
    f = project_figures(portfolio_id, as_of, current=current)
    stmt = select(
        f.c.stage,
        f.c.overall,
        func.count(),
        *(func.coalesce(func.sum(c), 0) for c in (f.c.bac, f.c.pv, f.c.ev, f.c.ac)),
    ).group_by(f.c.stage, f.c.overall)
    return [EvmGroup(*row) for row in (await session.execute(stmt)).all()]


async def dashboard_rows(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool, limit: int
) -> tuple[list[EvmGroup], list[ResultRow], int]:
    """`evm_groups` and `attention_candidates` in one statement: the per-project figures are
    computed once (a CTE referenced twice is materialised) for both the grouped sums and the
    projects needing attention (the first `limit` by reasons, code, id; and how many there are)."""
    f = _figures(portfolio_id, as_of, current=current, escalations=True).cte("figures")
    code: ColumnElement[Any] = f.c.code
    if session.get_bind().dialect.name == "postgresql":
        code = code.collate("C")  # code-point order, as Python sorts strings
    attention = (
        select(
            literal_column("1").label("kind"),
            f.c.id,
            f.c.code,
            f.c.name,
            f.c.stage,
            f.c.overall,
            f.c.report_as_of,
            f.c.escalated,
            f.c.reasons,
            func.count().over().label("total"),
            f.c.bac,
            f.c.pv,
            f.c.ev,
            f.c.ac,
        )
        .where(f.c.reasons > 0)
        .order_by(f.c.reasons.desc(), code, f.c.id)
        .limit(limit)
        .subquery("attention")
    )
    groups = select(
        literal_column("0"),
        null(),
        null(),
        null(),
        f.c.stage,
        f.c.overall,
        null(),
        null(),
        null(),
        func.count(),
        *(func.coalesce(func.sum(c), 0) for c in (f.c.bac, f.c.pv, f.c.ev, f.c.ac)),
    ).group_by(f.c.stage, f.c.overall)
    rows = (await session.execute(union_all(select(attention), groups))).all()
    candidates = sorted((r for r in rows if r.kind == 1), key=lambda r: (-r.reasons, r.code, str(r.id)))
    summary = [EvmGroup(r.stage, r.overall, r.total, r.bac, r.pv, r.ev, r.ac) for r in rows if r.kind == 0]
    return summary, candidates, (candidates[0].total if candidates else 0)

"""The monthly KPI series in a few statements however many months it spans (up to 120): the month
ends are rows of a derived table joined with the timelines, so a month costs index probes rather than
statements of its own (one pair of statements per month made a ten-year series take seconds per
hundred projects, and the reports' timeline was scanned once per month).

The rules are `dashboards.state`'s and `dashboards.repository`'s, specialised to a month's last day:
past months from the history tables (the version in effect by the end of the day, the report in
effect on it), months ending today or later from current state; the baseline in force at the end of
the day; PV the reported one, else the cost profile's months up to the as-of month whole (d/n of the
as-of month with d = n), else the budget linear by day. `tests/test_reporting_dashboard_sql.py`
checks the series against the project-by-project oracle."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pmo_common.db import UTCDateTime
from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Date,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pmo_reporting.dashboards.expressions import cents, linear_pv_cents
from pmo_reporting.dashboards.forecasts import forecast_columns
from pmo_reporting.dashboards.repository import EvmGroup, sum_columns
from pmo_reporting.dashboards.state import past_finish, plan_columns
from pmo_reporting.logic.periods import end_of_day, month_end, today
from pmo_reporting.readmodels.models import (
    BaselineView,
    PlanPeriod,
    ProjectStageHistory,
    ProjectView,
    RiskHistory,
    RiskView,
)
from pmo_reporting.status_reports.models import END_OF_TIME as LATEST_REPORT
from pmo_reporting.status_reports.models import StatusReport


@dataclass(frozen=True)
class MonthRisks:
    open: int
    escalated: int
    emv_total: Decimal


def _month_table(months: Sequence[str]) -> Subquery:
    """One row per month: its name, its last day and the first instant after it (UTC)."""
    rows = [
        select(
            literal(month, String(7)).label("month"),
            literal(month_end(month), Date).label("as_of"),
            literal(end_of_day(month_end(month)), UTCDateTime()).label("until"),
        )
        for month in months
    ]
    return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("months")


def _in_force(m: Subquery | CTE, project_id: Any) -> ColumnElement[bool]:
    """`state.in_force` at the end of each month."""
    b = BaselineView
    return and_(
        b.project_id == project_id,
        or_(b.approved_at < m.c.until, b.first.is_(True)),
        b.superseded_at >= m.c.until,
    )


def _past_state(portfolio_id: uuid.UUID, m: Subquery) -> CTE:
    """Per past month, the live projects' history rows in effect at its end and the id of the report
    in effect on its last day (`state.report_in_effect`), looked up per project and month as the first
    entry of the report timeline's index past the date: a join would pair every report of a project
    with every month and filter afterwards."""
    h, r = ProjectStageHistory, StatusReport
    live = and_(
        h.portfolio_id == portfolio_id,
        h.superseded_at >= m.c.until,
        h.effective_at < m.c.until,
        h.deleted.is_(False),
    )
    in_effect = (
        select(r.id)
        .where(
            r.project_id == h.project_id,
            r.superseded_on > m.c.as_of,
            r.as_of <= m.c.as_of,
            r.portfolio_id == portfolio_id,
        )
        .order_by(r.superseded_on, r.as_of)
        .limit(1)
        .scalar_subquery()
    )
    columns = (m.c.month, m.c.as_of, m.c.until, h.project_id, h.stage, h.finish_date)
    return (
        select(*columns, in_effect.label("report_id"))
        .select_from(m)
        .join(h, live)
        .cte("state")
        .prefix_with("MATERIALIZED")  # the look-up once per row, not once per use of its result
    )


def _past_projects(portfolio_id: uuid.UUID, m: Subquery) -> Select[Any]:
    """`state.project_reports` for past month ends: per month, the live projects then (history),
    the plan in force and the report in effect."""
    state, r = _past_state(portfolio_id, m), StatusReport
    p = ProjectView
    return (
        select(
            state.c.month,
            state.c.as_of.label("day"),
            p.id,
            state.c.stage,
            *plan_columns(p),
            r.overall,
            r.planned_value.label("report_pv"),
            r.ev_effective.label("report_ev"),
            r.actual_cost.label("report_ac"),
            r.forecast_cost,
            r.forecast_finish_date,
            past_finish(state.c.finish_date),
        )
        .select_from(state)
        .join(p, p.id == state.c.project_id)
        .outerjoin(BaselineView, _in_force(state, p.id))
        .outerjoin(r, r.id == state.c.report_id)
    )


def _current_projects(portfolio_id: uuid.UUID, m: Subquery) -> Select[Any]:
    """The same for month ends today or later: current state and the latest report."""
    p, latest = ProjectView, aliased(StatusReport, name="latest")
    return (
        select(
            m.c.month,
            m.c.as_of.label("day"),
            p.id,
            p.stage,
            *plan_columns(p),
            p.report_overall.label("overall"),
            p.report_pv,
            p.report_ev,
            p.report_ac,
            latest.forecast_cost,
            latest.forecast_finish_date,
            p.finish_date.label("project_finish"),
        )
        .select_from(m)
        .join(p, and_(p.portfolio_id == portfolio_id, p.deleted.is_(False)))
        .outerjoin(BaselineView, _in_force(m, p.id))
        .outerjoin(latest, and_(latest.project_id == p.id, latest.superseded_on == LATEST_REPORT))
    )


def _grouped(projects: Select[Any]) -> Select[Any]:
    """`repository.project_figures` per month and project, summed by month, stage and overall RAG
    as `repository.evm_groups` sums them. The figures are materialised once (their PV is an
    expression each sum would otherwise repeat)."""
    p = projects.subquery("projects")
    bac, pp = cents(p.c.budget), PlanPeriod
    whole_months = case((pp.period <= p.c.month, cents(pp.amount)), else_=literal(0, BigInteger))
    profiled = (
        select(cast(func.sum(whole_months), BigInteger))
        .where(pp.project_id == p.c.id, pp.number == p.c.plan_number)
        .scalar_subquery()
    )
    planned = func.coalesce(profiled, linear_pv_cents(bac, p.c.start_date, p.c.finish_date, p.c.day))
    ev, ac = cents(p.c.report_ev), cents(p.c.report_ac)
    figures = (
        select(
            p.c.month,
            p.c.stage,
            p.c.overall,
            bac.label("bac"),
            func.coalesce(cents(p.c.report_pv), planned).label("pv"),
            ev.label("ev"),
            ac.label("ac"),
            *forecast_columns(p, bac, ev, ac),
        )
        .cte("figures")
        .prefix_with("MATERIALIZED")
    )
    keys = (figures.c.month, figures.c.stage, figures.c.overall)
    return select(*keys, func.count(), *sum_columns(figures)).group_by(*keys)


def _split(months: Sequence[str]) -> tuple[list[str], list[str]]:
    """(past months, months ending today or later): history answers the first, current state the rest."""
    now = today()
    return [m for m in months if month_end(m) < now], [m for m in months if month_end(m) >= now]


async def evm_groups_by_month(
    session: AsyncSession, portfolio_id: uuid.UUID, months: Sequence[str]
) -> dict[str, list[EvmGroup]]:
    """`repository.evm_groups` as of each month end, in one statement per kind of month."""
    found: dict[str, list[EvmGroup]] = {month: [] for month in months}
    past, current = _split(months)
    for chosen, rows_of in ((past, _past_projects), (current, _current_projects)):
        if chosen:
            stmt = _grouped(rows_of(portfolio_id, _month_table(chosen)))
            for month, *group in (await session.execute(stmt)).all():
                found[month].append(EvmGroup(*group))
    return found


async def risks_by_month(
    session: AsyncSession, portfolio_id: uuid.UUID, months: Sequence[str]
) -> dict[str, MonthRisks]:
    """The open risks as of each month end (`repository.risk_figures`' counts and EMV)."""
    zero = Decimal("0.00")
    found = {month: MonthRisks(0, 0, zero) for month in months}
    past, current = _split(months)
    if past:
        m, h = _month_table(past), RiskHistory
        in_effect = and_(
            h.portfolio_id == portfolio_id,
            h.is_open.is_(True),
            h.superseded_at >= m.c.until,
            h.effective_at < m.c.until,
        )
        escalated = func.sum(case((h.escalated.is_(True), 1), else_=0))
        stmt = select(m.c.month, func.count(), escalated, func.sum(h.emv)).select_from(m).join(h, in_effect)
        for month, count, up, emv in (await session.execute(stmt.group_by(m.c.month))).all():
            found[month] = MonthRisks(count, int(up or 0), emv or zero)
    if current:  # current state is the same on every one of these dates
        r = RiskView
        escalated = func.sum(case((r.escalated.is_(True), 1), else_=0))
        stmt = select(func.count(), escalated, func.sum(r.emv)).where(
            r.portfolio_id == portfolio_id, r.is_open.is_(True)
        )
        count, up, emv = (await session.execute(stmt)).one()
        for month in current:
            found[month] = MonthRisks(count, int(up or 0), emv or zero)
    return found

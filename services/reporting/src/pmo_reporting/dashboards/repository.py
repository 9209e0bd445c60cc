"""The portfolio-wide queries behind dashboards, KPIs and exports: a few set-based statements per
request (no per-project queries), aggregated in SQL where the figure is a count or a sum.

The portfolio's EVM figures are worked out here only: the per-project rules of `logic.evm` and
`logic.dashboard` evaluated by the database in integer cents (`dashboards.expressions`), so a
dashboard reads a handful of grouped rows. `tests/test_reporting_dashboard_sql.py` checks them
against a project-by-project computation in Python on random data.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pmo_common.db import code_point_order
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Row,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.dashboards import state
from pmo_reporting.dashboards.expressions import cents, date_value, days_between, linear_pv_cents, shown_below
from pmo_reporting.dashboards.forecasts import FORECAST_SUMS, forecast_columns, forecast_terms
from pmo_reporting.logic.dashboard import REPORTING_STAGES
from pmo_reporting.logic.structure import EVERYTHING, Scope
from pmo_reporting.logic.targets import DEFAULT_TARGETS, Targets
from pmo_reporting.readmodels.models import CapacityCell, DemandCell, Overallocation

ResultRow = Row[*tuple[Any, ...]]
"""A result row with named columns (project, report or risk figures)."""


@dataclass
class RiskFigures:
    open: int = 0
    escalated: int = 0
    emv_total: Decimal = Decimal("0.00")
    by_level: dict[str, int] = field(default_factory=dict)
    top: list[ResultRow] = field(default_factory=list)
    heatmap: dict[tuple[int, int], int] = field(default_factory=dict)


async def risk_figures(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    as_of: date,
    *,
    current: bool,
    top: int = 10,
    scope: Scope = EVERYTHING,
) -> RiskFigures:
    """Counts, sums and the heat map of the open risks as of the date, and the `top` by score (of
    the projects a narrowed `scope` covers: a programme's dashboard shows its projects' risks)."""

    # The covered projects built anew for each of the two statements, not shared: compiling the
    # first one changed the shared subquery's compile options, so the second's cache key differed
    # between a call that compiled the first and one that found it cached (compiled twice, and a
    # warm-up at startup did not hold for it).
    def covered() -> Select[Any] | None:
        return state.covered_ids(portfolio_id, as_of, current=current, scope=scope)

    risks = state.risk_state(portfolio_id, as_of, current=current, projects=covered())
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
    figures = RiskFigures(
        top=await _top_risks(session, portfolio_id, as_of, current=current, top=top, projects=covered())
    )
    for row in cells:  # at most levels × 25 cells
        figures.open += row.n
        figures.escalated += int(row.escalated or 0)
        figures.emv_total += row.emv or Decimal("0.00")
        figures.by_level[row.level] = figures.by_level.get(row.level, 0) + row.n
        cell = (row.probability, row.impact)
        figures.heatmap[cell] = figures.heatmap.get(cell, 0) + row.n
    return figures


async def _top_risks(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    as_of: date,
    *,
    current: bool,
    top: int,
    projects: Select[Any] | None = None,
) -> list[ResultRow]:
    if not top:
        return []
    # As of a past date, walk the history in score order (its `_top` index) and stop early,
    # rather than sorting every open risk.
    risks = state.risk_state(portfolio_id, as_of, current=current, by_score=not current, projects=projects)
    stmt = select(risks).order_by(risks.c.score.desc(), risks.c.emv.desc(), risks.c.id).limit(top)
    return list((await session.execute(stmt)).all())


async def roles_used(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool, scope: Scope = EVERYTHING
) -> list[str]:
    """The roles the allocations of the portfolio's live projects (as of the date; those `scope`
    covers) use, in any month. Demand arrives per project (`demand.changed`), staffed or not, with
    its role; over-allocations name a person and their role but no project: the role is what ties
    the two. Read once per dashboard and passed on as a list: as a subquery of each capacity
    statement, every one re-derived the covered projects (a fifth of a past date's dashboard)."""
    projects = state.live_project_ids(portfolio_id, as_of, current=current, scope=scope)
    roles = select(DemandCell.role).where(DemandCell.project_id.in_(projects)).distinct()
    return sorted((await session.scalars(roles)).all())


async def capacity_figures(
    session: AsyncSession, roles: Sequence[str], period: str
) -> tuple[dict[str, float], dict[str, float]]:
    """The org-wide capacity and demand hours of `roles` in one month (people serve every
    portfolio, so a role's load is everyone's demand on it)."""
    if not roles:
        return {}, {}
    capacity = (
        await session.execute(
            select(CapacityCell.role, CapacityCell.hours).where(
                CapacityCell.period == period, CapacityCell.role.in_(roles)
            )
        )
    ).all()
    demand = (
        await session.execute(
            select(DemandCell.role, func.sum(DemandCell.hours))
            .where(DemandCell.period == period, DemandCell.role.in_(roles))
            .group_by(DemandCell.role)
        )
    ).all()
    return {r: float(h) for r, h in capacity}, {r: float(h or 0) for r, h in demand}


async def overallocations(
    session: AsyncSession, roles: Sequence[str], period: str, *, limit: int = 100
) -> list[Overallocation]:
    """The month's over-allocated people in `roles`, the most over first."""
    if not roles:
        return []
    stmt = (
        select(Overallocation)
        .where(Overallocation.period == period, Overallocation.role.in_(roles))
        .order_by(Overallocation.excess_hours.desc(), Overallocation.resource_id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


def project_figures(
    portfolio_id: uuid.UUID,
    as_of: date,
    *,
    current: bool,
    attention: bool = False,
    detail: bool = False,
    targets: Targets = DEFAULT_TARGETS,
    scope: Scope = EVERYTHING,
    structure: bool = False,
) -> Select[Any]:
    """One row per live project as of the date, in cents: stage, BAC (the plan in force), the
    report in effect (overall, AC, EV) and PV (reported, else the plan's time-phased cost). With `attention`: its code, name, report
    date, open escalated risks and how many attention reasons it has (under the portfolio's `targets`);
    with `detail`, what the export shows besides (manager, percent complete, forecasts, the plan's
    start and finish). Every row has the forecast figures (`forecasts.forecast_columns`); with `structure` also
    the project's programme, manager and version (what breakdowns group by). Only the projects a
    narrowed `scope` covers."""
    p = state.project_reports(portfolio_id, as_of, current=current, detail=detail, scope=scope)
    day = date_value(literal(as_of, Date))
    bac = cents(p.c.budget)
    planned = func.coalesce(
        state.profiled_pv_cents(p.c.id, p.c.plan_number, as_of),
        linear_pv_cents(bac, p.c.start_date, p.c.finish_date, day),
    )
    pv = func.coalesce(cents(p.c.report_pv), planned)
    ev, ac = cents(p.c.report_ev), cents(p.c.report_ac)
    stmt = select(
        p.c.id, p.c.stage, p.c.overall, bac.label("bac"), pv.label("pv"), ev.label("ev"), ac.label("ac")
    ).add_columns(*forecast_columns(p, bac, ev, ac))
    if structure:
        stmt = stmt.add_columns(p.c.programme_id, p.c.version, *([] if detail else [p.c.manager]))
    if detail:
        stmt = stmt.add_columns(
            p.c.manager,
            p.c.start_date,
            p.c.finish_date,
            p.c.project_finish.label("own_finish"),
            p.c.percent_complete,
            p.c.forecast_cost,
            p.c.forecast_finish_date,
        )
    if not attention:
        return stmt
    escalated = state.escalated_by_project(portfolio_id, as_of, current=current)
    count = func.coalesce(escalated.c.n, 0)
    late = and_(
        p.c.stage.in_(REPORTING_STAGES),
        or_(
            p.c.report_as_of.is_(None),
            days_between(day, p.c.report_as_of) > int(targets.report_age_days.amber),
        ),
    )
    red_spi, red_cpi = shown_below(ev, pv, targets.spi.amber), shown_below(ev, ac, targets.cpi.amber)
    conditions = (p.c.overall == "red", red_spi, red_cpi, count > 0, late)
    reasons = sum((case((condition, 1), else_=0) for condition in conditions), start=literal(0))
    return stmt.add_columns(
        p.c.code, p.c.name, p.c.report_as_of, count.label("escalated"), reasons.label("reasons")
    ).outerjoin(escalated, escalated.c.project_id == p.c.id)


@dataclass
class EvmGroup:
    stage: str
    overall: str | None
    projects: int
    bac: int
    pv: int
    ev: int
    ac: int
    schedule_ev: int
    schedule_pv: int
    cost_ev: int
    cost_ac: int
    eac: int = 0
    etc: int = 0
    vac: int = 0
    slipped: int = 0
    slip_days: int = 0
    """The forecast sums (`forecasts.FORECAST_SUMS`: unknown figures add nothing)."""


def _sums(f: Subquery | Any) -> list[ColumnElement[Any]]:
    """EvmGroup's sums in cents: each figure's known values, then SPI's and CPI's matched pairs
    (`logic.evm.Totals`: a project lacking one of a ratio's two figures is left out of that ratio)."""
    both = {
        "schedule": and_(f.c.ev.is_not(None), f.c.pv.is_not(None)),
        "cost": and_(f.c.ev.is_not(None), f.c.ac.is_not(None)),
    }
    paired = (
        case((both["schedule"], f.c.ev)),
        case((both["schedule"], f.c.pv)),
        case((both["cost"], f.c.ev)),
        case((both["cost"], f.c.ac)),
    )
    forecast = forecast_terms(f)
    return [func.coalesce(func.sum(c), 0) for c in (f.c.bac, f.c.pv, f.c.ev, f.c.ac, *paired, *forecast)]


sum_columns = _sums
"""EvmGroup's sums (after stage, overall RAG and count), for other groupings of the same figures."""


def _grouped(f: Subquery | Any) -> Select[Any]:
    """Project counts and EVM sums (cents) by stage and overall RAG."""
    return select(f.c.stage, f.c.overall, func.count(), *_sums(f)).group_by(f.c.stage, f.c.overall)


async def evm_groups(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> list[EvmGroup]:
    f = project_figures(portfolio_id, as_of, current=current).subquery("figures")
    return [EvmGroup(*row) for row in (await session.execute(_grouped(f))).all()]


async def dashboard_rows(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    as_of: date,
    *,
    current: bool,
    limit: int,
    targets: Targets = DEFAULT_TARGETS,
    scope: Scope = EVERYTHING,
) -> tuple[list[EvmGroup], list[ResultRow], int]:
    """`evm_groups` and the projects needing attention in one statement: the per-project figures
    are computed once (a CTE referenced twice is materialised) for both the grouped sums and the
    first `limit` projects by reasons, code, id (and how many need attention)."""
    dialect = session.get_bind().dialect.name
    statement = _dashboard_statement(portfolio_id, as_of, current, limit, targets, scope, dialect)
    rows: Sequence[ResultRow] = (await session.execute(statement)).all()
    candidates = sorted((r for r in rows if r.kind == 1), key=lambda r: (-r.reasons, r.code, str(r.id)))
    sums = ("bac", "pv", "ev", "ac", "schedule_ev", "schedule_pv", "cost_ev", "cost_ac", *FORECAST_SUMS)
    summary = [
        EvmGroup(r.stage, r.overall, r.total, *(getattr(r, name) for name in sums))
        for r in rows
        if r.kind == 0
    ]
    return summary, candidates, (candidates[0].total if candidates else 0)


@functools.lru_cache(maxsize=8)
def _dashboard_statement(
    portfolio_id: uuid.UUID,
    as_of: date,
    current: bool,
    limit: int,
    targets: Targets,
    scope: Scope,
    dialect: str,
) -> Any:
    """`dashboard_rows`' statement, built once for its arguments. Under writes a dashboard is
    computed again at each new data version with the same arguments, and building this statement
    and its cache key was 6-9 ms of Python each time (of an uncached dashboard's ~15); a statement
    is immutable, so one object serves every request. Few entries: each holds ~1,500 objects that
    every full garbage collection walks."""
    f = project_figures(
        portfolio_id, as_of, current=current, attention=True, targets=targets, scope=scope
    ).cte("figures")
    code = code_point_order(f.c.code, dialect)
    figures = (f.c.bac, f.c.pv, f.c.ev, f.c.ac)
    # Typed: PostgreSQL takes an untyped NULL of a subquery for text, which no UNION with a sum matches.
    sums_only = ("schedule_ev", "schedule_pv", "cost_ev", "cost_ac", *FORECAST_SUMS)
    paired = [cast(null(), BigInteger).label(name) for name in sums_only]
    shown = (f.c.id, f.c.code, f.c.name, f.c.stage, f.c.overall, f.c.report_as_of, f.c.escalated, f.c.reasons)
    attention = (
        select(
            literal_column("1").label("kind"), *shown, func.count().over().label("total"), *figures, *paired
        )
        .where(f.c.reasons > 0)
        .order_by(f.c.reasons.desc(), code, f.c.id)
        .limit(limit)
        .subquery("attention")
    )
    # The same columns as `attention`, so the two share one UNION: kind 0 rows are the groups.
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
        *_sums(f),
    ).group_by(f.c.stage, f.c.overall)
    return union_all(select(attention), groups)

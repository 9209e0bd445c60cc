"""A portfolio's figures broken down by stage, programme, manager or a custom field (contract §7.8):
the dashboard's per-project figures (`repository.project_figures`), grouped in SQL by the key and the
stage, then summed per key with the dashboard's own rules (`service.totals_of`, `counts_of`), so the
rows add up to the dashboard. Values in force on the as-of date: a project's programme, manager and
field values come from the version in effect then, a programme counts until it was deleted."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from pmo_common.db import Database
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.dashboards.cache import DashboardCache, cache_key
from pmo_reporting.dashboards.repository import EvmGroup, project_figures, sum_columns
from pmo_reporting.dashboards.schemas import Breakdown, BreakdownRow
from pmo_reporting.dashboards.service import forecast_of_groups, totals_of
from pmo_reporting.logic.evm import rounded_ratio
from pmo_reporting.logic.periods import end_of_day, today
from pmo_reporting.logic.structure import Dimension, KeyOrder
from pmo_reporting.readmodels.models import Figures, PortfolioView, ProgrammeView, ProjectFacet


def _keyed(f: Any, dimension: Dimension, as_of: date) -> tuple[ColumnElement[Any], Select[Any]]:
    """The key column and the select of the per-project figures `f` joined to what holds it."""
    stmt = select().select_from(f)
    if dimension.kind == "stage":
        return f.c.stage, stmt
    if dimension.kind == "manager":
        return f.c.manager, stmt
    if dimension.kind == "programme":
        g, until = ProgrammeView, end_of_day(as_of)
        live = or_(g.deleted_at.is_(None), g.deleted_at >= until)
        return g.code, stmt.outerjoin(g, and_(g.id == f.c.programme_id, live))
    x = ProjectFacet
    match = and_(x.project_id == f.c.id, x.version == f.c.version, x.kind == "field", x.key == dimension.key)
    return x.value, stmt.outerjoin(x, match)


async def breakdown_groups(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, dimension: Dimension
) -> dict[str | None, list[EvmGroup]]:
    """Per key, its projects' counts and sums by stage (cents)."""
    f = project_figures(portfolio_id, as_of, current=as_of >= today(), structure=True).subquery("figures")
    key, stmt = _keyed(f, dimension, as_of)
    stmt = stmt.add_columns(key.label("key"), f.c.stage, func.count(), *sum_columns(f)).group_by(
        key, f.c.stage
    )
    groups: dict[str | None, list[EvmGroup]] = defaultdict(list)
    for row in (await session.execute(stmt)).all():
        groups[row[0]].append(EvmGroup(row[1], None, *row[2:]))
    return groups


def row_of(key: str | None, groups: list[EvmGroup]) -> BreakdownRow:
    t, f = totals_of(groups), forecast_of_groups(groups)
    return BreakdownRow(
        key=key,
        projects=sum(g.projects for g in groups),
        bac=t.bac,
        pv=t.pv,
        ev=t.ev,
        ac=t.ac,
        eac=f.eac,
        vac=f.vac,
        spi=rounded_ratio(t.spi),
        cpi=rounded_ratio(t.cpi),
    )


async def breakdown(
    session: AsyncSession, portfolio: PortfolioView, as_of: date, dimension: Dimension
) -> Breakdown:
    groups = await breakdown_groups(session, portfolio.id, as_of, dimension)
    order = KeyOrder(dimension)
    return Breakdown(
        portfolio_id=portfolio.id,
        currency=portfolio.currency,
        as_of=as_of,
        by=dimension.name,
        items=[row_of(key, groups[key]) for key in sorted(groups, key=order)],
    )


async def breakdown_json(
    session: AsyncSession,
    portfolio: PortfolioView,
    as_of: date,
    dimension: Dimension,
    cache: DashboardCache,
    db: Database,
) -> bytes:
    # The projects' figures only: a risk, an action or an allocation leaves a breakdown cached.
    asked = ("breakdown", dimension)
    key = await cache_key(db, portfolio.id, as_of, as_of >= today(), asked, figures=(Figures.REPORTS,))
    return await cache.body(key, lambda: breakdown(session, portfolio, as_of, dimension))

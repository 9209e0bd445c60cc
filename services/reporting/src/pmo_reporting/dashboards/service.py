"""Portfolio figures as of a date. The dashboard, the monthly KPI series and the exports all read
them from `dashboards.repository`, so they agree with each other; the rules are in
`logic.dashboard`."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from decimal import Decimal

from pmo_common.queries import MonthRange
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.dashboards import governance, repository
from pmo_reporting.dashboards.cache import DashboardCache, cache_key
from pmo_reporting.dashboards.repository import EvmGroup, ResultRow, RiskFigures
from pmo_reporting.dashboards.schemas import (
    ActionCounts,
    Attention,
    CapacitySummary,
    Dashboard,
    DecisionSummary,
    KpiPoint,
    KpiRisks,
    KpiSeries,
    LatestDecision,
    OverallocatedPerson,
    PortfolioEvm,
    ProjectCounts,
    RiskSummary,
    TopRisk,
)
from pmo_reporting.logic.dashboard import EVM_STAGES, attention_reasons
from pmo_reporting.logic.evm import Totals, from_cents, ratio, rounded_ratio
from pmo_reporting.logic.periods import month_end, month_of, today
from pmo_reporting.readmodels.models import PortfolioView

MAX_ATTENTION = 100


async def capacity_summary(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> CapacitySummary:
    """The month of `as_of`, for the roles and people the portfolio's projects use."""
    period, current = month_of(as_of), as_of >= today()
    roles, capacity, demand = await repository.capacity_figures(
        session, portfolio_id, as_of, current=current, period=period
    )
    utilisation = {
        role: (round(demand.get(role, 0.0) / capacity[role], 4) if capacity.get(role) else None)
        for role in roles
    }
    over = await repository.overallocations(session, portfolio_id, as_of, current=current, period=period)
    return CapacitySummary(
        period=period,
        utilisation_by_role=utilisation,
        overallocated=[OverallocatedPerson.model_validate(o, from_attributes=True) for o in over],
    )


def risk_summary(risks: RiskFigures) -> RiskSummary:
    return RiskSummary(
        open=risks.open,
        by_level=risks.by_level,
        escalated=risks.escalated,
        emv_total=risks.emv_total,
        top=[TopRisk.model_validate(r, from_attributes=True) for r in risks.top],
    )


async def dashboard(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> Dashboard:
    """The dashboard from a few grouped queries: counts and EVM sums by stage and RAG, the projects
    with the most attention reasons, risk cells and the top risks, capacity."""
    current = as_of >= today()
    groups, candidates, attention_total = await repository.dashboard_rows(
        session, portfolio.id, as_of, current=current, limit=MAX_ATTENTION
    )
    risks = await repository.risk_figures(session, portfolio.id, as_of, current=current)
    return Dashboard(
        portfolio_id=portfolio.id,
        currency=portfolio.currency,
        as_of=as_of,
        projects=counts_of(groups),
        evm=evm_of(groups),
        risks=risk_summary(risks),
        capacity=await capacity_summary(session, portfolio.id, as_of),
        attention=[attention_of(row, as_of) for row in candidates],
        attention_total=attention_total,
        actions=await action_counts(session, portfolio.id, as_of),
        decisions=await decision_summary(session, portfolio.id, as_of),
    )


async def action_counts(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> ActionCounts:
    open_, overdue = await governance.action_counts(session, portfolio_id, as_of)
    return ActionCounts(open=open_, overdue=overdue)


async def decision_summary(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> DecisionSummary:
    rows = await governance.latest_decisions(session, portfolio_id, as_of)
    return DecisionSummary(latest=[LatestDecision.model_validate(r, from_attributes=True) for r in rows])


async def dashboard_json(
    session: AsyncSession, portfolio: PortfolioView, as_of: date, cache: DashboardCache
) -> bytes:
    """The dashboard's JSON body, from the cache when no figure it depends on has changed."""
    key = await cache_key(session, portfolio.id, as_of, as_of >= today())
    body = cache.get(key)
    if body is not None:
        return body
    try:
        async with cache.computing(key):
            body = cache.get(key)  # computed by a concurrent request meanwhile
            if body is None:
                body = (await dashboard(session, portfolio, as_of)).model_dump_json().encode()
                cache.put(key, body)
    finally:
        cache.done(key)
    return body


def attention_of(row: ResultRow, as_of: date) -> Attention:
    ev, pv, ac = from_cents(row.ev), from_cents(row.pv), from_cents(row.ac)
    reasons = attention_reasons(
        row.overall, ratio(ev, pv), ratio(ev, ac), row.escalated, row.stage, row.report_as_of, as_of
    )
    return Attention(project_id=row.id, code=row.code, name=row.name, reasons=reasons)


def counts_of(groups: list[EvmGroup]) -> ProjectCounts:
    by_stage: Counter[str] = Counter()
    by_rag: Counter[str] = Counter()
    for g in groups:
        by_stage[g.stage] += g.projects
        by_rag[g.overall or "none"] += g.projects
    return ProjectCounts(
        total=sum(by_stage.values()),
        by_stage=dict(sorted(by_stage.items())),
        by_rag=dict(sorted(by_rag.items())),
    )


def totals_of(groups: list[EvmGroup]) -> Totals:
    committed = [g for g in groups if g.stage in EVM_STAGES]

    def total(name: str) -> Decimal:
        return from_cents(sum(int(getattr(g, name)) for g in committed))

    return Totals(bac=total("bac"), pv=total("pv"), ev=total("ev"), ac=total("ac"))


async def totals_as_of(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> Totals:
    groups = await repository.evm_groups(session, portfolio_id, as_of, current=as_of >= today())
    return totals_of(groups)


def evm_of(groups: list[EvmGroup]) -> PortfolioEvm:
    t = totals_of(groups)
    return PortfolioEvm(
        bac=t.bac, pv=t.pv, ev=t.ev, ac=t.ac, spi=rounded_ratio(t.spi), cpi=rounded_ratio(t.cpi)
    )


async def kpis(session: AsyncSession, portfolio: PortfolioView, months: MonthRange) -> KpiSeries:
    """Per month two grouped queries (counts and EVM sums; risk cells): no per-project work."""
    items = []
    for month in months.months:
        as_of = month_end(month)
        current = as_of >= today()
        groups = await repository.evm_groups(session, portfolio.id, as_of, current=current)
        risks = await repository.risk_figures(session, portfolio.id, as_of, current=current, top=0)
        items.append(
            KpiPoint(
                month=month,
                as_of=as_of,
                projects=counts_of(groups),
                evm=evm_of(groups),
                risks=KpiRisks(open=risks.open, escalated=risks.escalated, emv_total=risks.emv_total),
            )
        )
    return KpiSeries(portfolio_id=portfolio.id, items=items)

"""Portfolio figures as of a date. The dashboard, the monthly KPI series and the exports all read
them from `dashboards.repository`, so they agree with each other; the rules are in
`logic.dashboard`."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pmo_common.db import Database
from pmo_common.queries import MonthRange
from pmo_common.reads import Read, gather_reads
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.dashboards import governance, repository
from pmo_reporting.dashboards import kpis as kpi_queries
from pmo_reporting.dashboards.benefits import benefit_summary
from pmo_reporting.dashboards.cache import SECTIONS, DashboardCache, data_versions, key_of
from pmo_reporting.dashboards.repository import EvmGroup, ResultRow, RiskFigures
from pmo_reporting.dashboards.schemas import (
    ActionCounts,
    Attention,
    BenefitSummary,
    CapacitySummary,
    Dashboard,
    DashboardFilters,
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
from pmo_reporting.dashboards.state import covered_ids
from pmo_reporting.logic.dashboard import EVM_STAGES, attention_reasons
from pmo_reporting.logic.evm import Totals, from_cents, ratio, rounded_ratio
from pmo_reporting.logic.forecast import Forecast, average_slip
from pmo_reporting.logic.periods import month_end, month_of, today
from pmo_reporting.logic.structure import EVERYTHING, Scope
from pmo_reporting.logic.targets import DEFAULT_TARGETS, Targets, report_age_days, suggested_rag
from pmo_reporting.readmodels.models import PortfolioView
from pmo_reporting.targets.repository import targets_for

MAX_ATTENTION = 100


async def capacity_summary(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope = EVERYTHING
) -> CapacitySummary:
    """The month of `as_of`, for the roles and people the portfolio's projects (those `scope`
    covers) use."""
    period, current = month_of(as_of), as_of >= today()
    roles = await repository.roles_used(session, portfolio_id, as_of, current=current, scope=scope)
    capacity, demand = await repository.capacity_figures(session, roles, period)
    utilisation = {
        role: (round(demand.get(role, 0.0) / capacity[role], 4) if capacity.get(role) else None)
        for role in roles
    }
    over = await repository.overallocations(session, roles, period)
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


SectionSource = Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]
"""`source(name, compute)`: section `name`, kept from an earlier computation or `compute()`d."""


async def dashboard(
    session: AsyncSession,
    portfolio: PortfolioView,
    as_of: date,
    scope: Scope = EVERYTHING,
    *,
    db: Database | None = None,
    sections: SectionSource | None = None,
) -> Dashboard:
    """The dashboard from a few grouped queries: counts and EVM sums by stage and RAG, the projects
    with the most attention reasons, risk cells and the top risks, capacity, benefits. A narrowed
    `scope` covers only its projects: their risks, actions, decisions, benefits and roles. With `db`,
    its sections are read at once (`pmo_common.reads`); with `sections` too, each section is taken
    from there, and only those it has not kept are read."""
    current = as_of >= today()
    reads: dict[str, Read] = {
        "projects": lambda s: _projects_section(s, portfolio.id, as_of, current, scope),
        "risks": lambda s: _risks_section(s, portfolio.id, as_of, current, scope),
        "capacity": lambda s: capacity_summary(s, portfolio.id, as_of, scope),
        "governance": lambda s: _governance(s, portfolio.id, as_of, scope),
    }
    (
        (counts, evm, attention, attention_total),
        risks,
        capacity,
        (actions, decisions, benefits),
    ) = await _read_sections(db, session, reads, sections)
    return Dashboard(
        portfolio_id=portfolio.id,
        currency=portfolio.currency,
        as_of=as_of,
        filters=filters_of(scope),
        projects=counts,
        evm=evm,
        risks=risks,
        capacity=capacity,
        attention=attention,
        attention_total=attention_total,
        actions=actions,
        decisions=decisions,
        benefits=benefits,
    )


async def _read_sections(
    db: Database | None, session: AsyncSession, reads: dict[str, Read], sections: SectionSource | None
) -> list[Any]:
    """Each read's result in order (`gather_reads`), through `sections` when given: a section it
    has kept is not read again."""
    if sections is None:
        return await gather_reads(db, session, *reads.values())

    def through(name: str, read: Read) -> Read:
        return lambda s: sections(name, lambda: read(s))

    return await gather_reads(db, session, *(through(name, read) for name, read in reads.items()))


async def _projects_section(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, current: bool, scope: Scope
) -> tuple[ProjectCounts, PortfolioEvm, list[Attention], int]:
    targets = await targets_for(session, portfolio_id)
    groups, candidates, total = await repository.dashboard_rows(
        session, portfolio_id, as_of, current=current, limit=MAX_ATTENTION, targets=targets, scope=scope
    )
    attention = [attention_of(row, as_of, targets) for row in candidates]
    return counts_of(groups), evm_of(groups), attention, total


async def _risks_section(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, current: bool, scope: Scope
) -> RiskSummary:
    return risk_summary(
        await repository.risk_figures(session, portfolio_id, as_of, current=current, scope=scope)
    )


async def _governance(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope
) -> tuple[ActionCounts, DecisionSummary, BenefitSummary]:
    return (
        await action_counts(session, portfolio_id, as_of, scope),
        await decision_summary(session, portfolio_id, as_of, scope),
        await benefit_summary(session, portfolio_id, as_of, scope),
    )


async def action_counts(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope = EVERYTHING
) -> ActionCounts:
    projects = covered_ids(portfolio_id, as_of, current=as_of >= today(), scope=scope)
    open_, overdue = await governance.action_counts(session, portfolio_id, as_of, projects=projects)
    return ActionCounts(open=open_, overdue=overdue)


async def decision_summary(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope = EVERYTHING
) -> DecisionSummary:
    projects = covered_ids(portfolio_id, as_of, current=as_of >= today(), scope=scope)
    rows = await governance.latest_decisions(
        session, portfolio_id, as_of, projects=projects, programme_id=scope.programme_id
    )
    return DecisionSummary(latest=[LatestDecision.model_validate(r, from_attributes=True) for r in rows])


async def dashboard_json(
    session: AsyncSession,
    portfolio: PortfolioView,
    as_of: date,
    cache: DashboardCache,
    scope: Scope = EVERYTHING,
    *,
    db: Database,
) -> bytes:
    """The dashboard's JSON body, from the cache when no figure it depends on has changed; else
    computed again with the sections no change has touched taken from the cache."""
    versions, current, asked = (
        await data_versions(db, portfolio.id),
        as_of >= today(),
        ("dashboard", scope.key),
    )
    key = key_of(portfolio.id, as_of, current, asked, versions)

    async def section(name: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        kept = key_of(portfolio.id, as_of, current, (asked, name), versions, SECTIONS[name])
        return await cache.section(kept, name, compute)

    return await cache.body(key, lambda: dashboard(session, portfolio, as_of, scope, db=db, sections=section))


def attention_of(row: ResultRow, as_of: date, targets: Targets = DEFAULT_TARGETS) -> Attention:
    ev, pv, ac = from_cents(row.ev), from_cents(row.pv), from_cents(row.ac)
    spi, cpi = ratio(ev, pv), ratio(ev, ac)
    reasons = attention_reasons(
        row.overall, spi, cpi, row.escalated, row.stage, row.report_as_of, as_of, targets
    )
    age = report_age_days(row.report_as_of, as_of, row.stage)
    return Attention(
        project_id=row.id,
        code=row.code,
        name=row.name,
        reasons=reasons,
        suggested_rag=suggested_rag(spi, cpi, age, targets),
    )


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

    return Totals(
        *(total(name) for name in ("bac", "pv", "ev", "ac")),
        *(total(name) for name in ("schedule_ev", "schedule_pv", "cost_ev", "cost_ac")),
    )


async def totals_as_of(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> Totals:
    groups = await repository.evm_groups(session, portfolio_id, as_of, current=as_of >= today())
    return totals_of(groups)


def evm_of(groups: list[EvmGroup]) -> PortfolioEvm:
    t, f = totals_of(groups), forecast_of_groups(groups)
    return PortfolioEvm(
        bac=t.bac,
        pv=t.pv,
        ev=t.ev,
        ac=t.ac,
        spi=rounded_ratio(t.spi),
        cpi=rounded_ratio(t.cpi),
        eac=f.eac,
        etc=f.etc,
        vac=f.vac,
        budget_growth=f.budget_growth,
        slipped_projects=f.slipped_projects,
        avg_slip_days=f.avg_slip_days,
    )


def forecast_of_groups(groups: list[EvmGroup]) -> Forecast:
    """`logic.forecast.forecast_of` from the database's sums over the committed projects."""
    committed = [g for g in groups if g.stage in EVM_STAGES]

    def total(name: str) -> int:
        return sum(int(getattr(g, name)) for g in committed)

    vac = from_cents(total("vac"))
    slipped = total("slipped")
    return Forecast(
        eac=from_cents(total("eac")),
        etc=from_cents(total("etc")),
        vac=vac,
        budget_growth=-vac,
        slipped_projects=slipped,
        avg_slip_days=average_slip(slipped, total("slip_days")),
    )


def filters_of(scope: Scope) -> DashboardFilters:
    return DashboardFilters(
        programme_id=scope.programme_id, tags=list(dict.fromkeys(scope.tags)), fields=dict(scope.fields)
    )


async def kpis(session: AsyncSession, portfolio: PortfolioView, months: MonthRange) -> KpiSeries:
    """Two grouped statements for the past months and two for the rest (`dashboards.kpis`), however
    many months: no per-month and no per-project work."""
    groups = await kpi_queries.evm_groups_by_month(session, portfolio.id, months.months)
    risks = await kpi_queries.risks_by_month(session, portfolio.id, months.months)
    items = [
        KpiPoint(
            month=month,
            as_of=month_end(month),
            projects=counts_of(groups[month]),
            evm=evm_of(groups[month]),
            risks=KpiRisks(
                open=risks[month].open, escalated=risks[month].escalated, emv_total=risks[month].emv_total
            ),
        )
        for month in months.months
    ]
    return KpiSeries(portfolio_id=portfolio.id, items=items)

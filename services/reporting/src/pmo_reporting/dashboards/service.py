"""Portfolio figures as of a date — the dashboard, the monthly KPI series and the exports all use
`portfolio_figures`, so they agree with each other.

Rules (documented in the API):
- EVM sums cover projects in the approved, in_progress, on_hold and closed stages (proposals,
  rejected and cancelled projects have no committed baseline); unknown figures count as zero.
- Attention: "overall RAG red"; "SPI x below 0.85" / "CPI x below 0.85"; "n escalated risk(s)";
  and for projects in progress "no status report" (never) or "no status report for n days"
  (none in the 35 days up to as_of).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmo_common.contracts.types import month_index, months_between
from pmo_common.errors import invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.dashboards import repository
from pmo_reporting.dashboards.cache import DashboardCache, cache_key
from pmo_reporting.dashboards.repository import EvmGroup, ResultRow, RiskFigures
from pmo_reporting.dashboards.schemas import (
    Attention,
    CapacitySummary,
    Dashboard,
    KpiPoint,
    KpiRisks,
    KpiSeries,
    OverallocatedPerson,
    PortfolioEvm,
    ProjectCounts,
    RiskSummary,
    TopRisk,
)
from pmo_reporting.logic.evm import (
    CENT,
    RED_BELOW,
    Baseline,
    Evm,
    Totals,
    compute_evm,
    ratio,
    rounded_ratio,
    sum_evm,
)
from pmo_reporting.logic.periods import month_end, month_of, today
from pmo_reporting.readmodels.models import PortfolioView
from pmo_reporting.status_reports.service import progress_of

EVM_STAGES = frozenset(repository.EVM_STAGES)
REPORTING_STAGES = frozenset(repository.REPORTING_STAGES)
LATE_AFTER_DAYS = repository.LATE_AFTER_DAYS
MAX_KPI_MONTHS = 60
MAX_ATTENTION = 100


@dataclass
class ProjectFigures:
    project: ResultRow
    report: ResultRow | None
    evm: Evm


@dataclass
class PortfolioFigures:
    as_of: date
    projects: list[ProjectFigures]
    risks: RiskFigures

    @property
    def totals(self) -> Totals:
        return sum_evm([p.evm for p in self.projects if p.project.stage in EVM_STAGES])

    def counts(self) -> ProjectCounts:
        return ProjectCounts(
            total=len(self.projects),
            by_stage=dict(Counter(p.project.stage for p in self.projects)),
            by_rag=dict(Counter(p.report.overall if p.report else "none" for p in self.projects)),
        )

    def evm(self) -> PortfolioEvm:
        t = self.totals
        return PortfolioEvm(
            bac=t.bac, pv=t.pv, ev=t.ev, ac=t.ac, spi=rounded_ratio(t.spi), cpi=rounded_ratio(t.cpi)
        )


async def portfolio_figures(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, top_risks: int = 10
) -> PortfolioFigures:
    current = as_of >= today()
    projects = await repository.projects_as_of(session, portfolio_id, as_of, current=current)
    reports = await repository.latest_reports(session, portfolio_id, as_of, current=current)
    risks = await repository.risk_figures(session, portfolio_id, as_of, current=current, top=top_risks)
    figures = []
    for project in projects:
        report = reports.get(project.id)
        baseline = Baseline(project.budget, project.start_date, project.finish_date)
        evm = compute_evm(baseline, progress_of(report) if report else None, as_of)
        figures.append(ProjectFigures(project, report, evm))
    return PortfolioFigures(as_of, figures, risks)


def attention_reasons(figures: ProjectFigures, escalated: int, as_of: date) -> list[str]:
    report, evm = figures.report, figures.evm
    return reasons_for(
        report.overall if report else None,
        evm.spi,
        evm.cpi,
        escalated,
        figures.project.stage,
        report.as_of if report else None,
        as_of,
    )


def reasons_for(
    overall: str | None,
    spi: Decimal | None,
    cpi: Decimal | None,
    escalated: int,
    stage: str,
    report_as_of: date | None,
    as_of: date,
) -> list[str]:
    """Why a project needs attention (the rules in this module's docstring); [] when it does not."""
    reasons = []
    if overall == "red":
        reasons.append("overall RAG red")
    for name, value in (("SPI", spi), ("CPI", cpi)):
        if value is not None and value < RED_BELOW:
            reasons.append(f"{name} {rounded_ratio(value):.2f} below {RED_BELOW}")
    if escalated:
        reasons.append(f"{escalated} escalated risk{'s' if escalated != 1 else ''}")
    if stage in REPORTING_STAGES:
        if report_as_of is None:
            reasons.append("no status report")
        elif (as_of - report_as_of).days > LATE_AFTER_DAYS:
            reasons.append(f"no status report for {(as_of - report_as_of).days} days")
    return reasons


def attention_list(figures: PortfolioFigures) -> list[Attention]:
    items = []
    for p in figures.projects:
        reasons = attention_reasons(p, figures.risks.escalated_by_project.get(p.project.id, 0), figures.as_of)
        if reasons:
            items.append(
                Attention(project_id=p.project.id, code=p.project.code, name=p.project.name, reasons=reasons)
            )
    items.sort(key=lambda a: (-len(a.reasons), a.code, str(a.project_id)))
    return items


async def capacity_summary(session: AsyncSession, as_of: date) -> CapacitySummary:
    period = month_of(as_of)
    capacity, demand = await repository.capacity_figures(session, period)
    utilisation = {
        role: (round(demand.get(role, 0.0) / capacity[role], 4) if capacity.get(role) else None)
        for role in sorted(set(capacity) | set(demand))
    }
    over = await repository.overallocations(session, period)
    return CapacitySummary(
        period=period,
        utilisation_by_role=utilisation,
        overallocated=[
            OverallocatedPerson(
                resource_id=o.resource_id,
                role=o.role,
                period=o.period,
                capacity_hours=o.capacity_hours,
                demand_hours=o.demand_hours,
                excess_hours=o.excess_hours,
            )
            for o in over
        ],
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
    risks = await repository.risk_figures(session, portfolio.id, as_of, current=current, by_project=False)
    return Dashboard(
        portfolio_id=portfolio.id,
        currency=portfolio.currency,
        as_of=as_of,
        projects=counts_of(groups),
        evm=evm_of(groups),
        risks=risk_summary(risks),
        capacity=await capacity_summary(session, as_of),
        attention=[attention_of(row, as_of) for row in candidates],
        attention_total=attention_total,
    )


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


def _money(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(int(cents)) / 100).quantize(CENT)


def attention_of(row: ResultRow, as_of: date) -> Attention:
    ev, pv, ac = _money(row.ev), _money(row.pv), _money(row.ac)
    reasons = reasons_for(
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
        return (Decimal(sum(int(getattr(g, name)) for g in committed)) / 100).quantize(CENT)

    return Totals(bac=total("bac"), pv=total("pv"), ev=total("ev"), ac=total("ac"))


async def totals_as_of(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> Totals:
    groups = await repository.evm_groups(session, portfolio_id, as_of, current=as_of >= today())
    return totals_of(groups)


def evm_of(groups: list[EvmGroup]) -> PortfolioEvm:
    t = totals_of(groups)
    return PortfolioEvm(
        bac=t.bac, pv=t.pv, ev=t.ev, ac=t.ac, spi=rounded_ratio(t.spi), cpi=rounded_ratio(t.cpi)
    )


async def dashboard_of(
    session: AsyncSession, portfolio: PortfolioView, figures: PortfolioFigures
) -> Dashboard:
    """The dashboard from per-project figures (the exports' path; `dashboard` is the fast one)."""
    attention = attention_list(figures)
    as_of = figures.as_of
    return Dashboard(
        portfolio_id=portfolio.id,
        currency=portfolio.currency,
        as_of=as_of,
        projects=figures.counts(),
        evm=figures.evm(),
        risks=risk_summary(figures.risks),
        capacity=await capacity_summary(session, as_of),
        attention=attention[:MAX_ATTENTION],
        attention_total=len(attention),
    )


def kpi_months(first: str, last: str) -> list[str]:
    if month_index(last) < month_index(first):
        raise invalid("query.to", "must not be before `from`")
    if month_index(last) - month_index(first) + 1 > MAX_KPI_MONTHS:
        raise invalid("query.to", f"at most {MAX_KPI_MONTHS} months from `from`")
    return months_between(first, last)


async def kpis(session: AsyncSession, portfolio: PortfolioView, first: str, last: str) -> KpiSeries:
    """Per month two grouped queries (counts and EVM sums; risk cells): no per-project work."""
    items = []
    for month in kpi_months(first, last):
        as_of = month_end(month)
        current = as_of >= today()
        groups = await repository.evm_groups(session, portfolio.id, as_of, current=current)
        risks = await repository.risk_figures(
            session, portfolio.id, as_of, current=current, top=0, by_project=False
        )
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

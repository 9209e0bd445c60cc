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

from pmo_common.contracts.types import month_index, months_between
from pmo_common.errors import invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.dashboards import repository
from pmo_reporting.dashboards.repository import ResultRow, RiskFigures
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
from pmo_reporting.logic.evm import RED_BELOW, Baseline, Evm, Totals, compute_evm, rounded_ratio, sum_evm
from pmo_reporting.logic.periods import month_end, month_of, today
from pmo_reporting.readmodels.models import PortfolioView
from pmo_reporting.status_reports.service import progress_of

EVM_STAGES = frozenset({"approved", "in_progress", "on_hold", "closed"})
REPORTING_STAGES = frozenset({"in_progress"})
LATE_AFTER_DAYS = 35
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
    reasons = []
    report, evm = figures.report, figures.evm
    if report is not None and report.overall == "red":
        reasons.append("overall RAG red")
    for name, value in (("SPI", evm.spi), ("CPI", evm.cpi)):
        if value is not None and value < RED_BELOW:
            reasons.append(f"{name} {rounded_ratio(value):.2f} below {RED_BELOW}")
    if escalated:
        reasons.append(f"{escalated} escalated risk{'s' if escalated != 1 else ''}")
    if figures.project.stage in REPORTING_STAGES:
        if report is None:
            reasons.append("no status report")
        elif (as_of - report.as_of).days > LATE_AFTER_DAYS:
            reasons.append(f"no status report for {(as_of - report.as_of).days} days")
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
    figures = await portfolio_figures(session, portfolio.id, as_of)
    return await dashboard_of(session, portfolio, figures)


async def dashboard_of(
    session: AsyncSession, portfolio: PortfolioView, figures: PortfolioFigures
) -> Dashboard:
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
    items = []
    for month in kpi_months(first, last):
        as_of = month_end(month)
        figures = await portfolio_figures(session, portfolio.id, as_of, top_risks=0)
        risks = figures.risks
        items.append(
            KpiPoint(
                month=month,
                as_of=as_of,
                projects=figures.counts(),
                evm=figures.evm(),
                risks=KpiRisks(open=risks.open, escalated=risks.escalated, emv_total=risks.emv_total),
            )
        )
    return KpiSeries(portfolio_id=portfolio.id, items=items)

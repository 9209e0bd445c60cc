"""The board pack's data as of a date, from the same SQL figures as the dashboard: every project's
line (CSV, workbook), every project needing attention, the S-curve over the whole span, the open
risks, actions and decisions, the monthly KPIs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pmo_common.queries import MonthRange
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.boardpack import queries
from pmo_reporting.boardpack.model import BoardPack, Curve
from pmo_reporting.dashboards import governance, repository, service
from pmo_reporting.dashboards import kpis as kpi_queries
from pmo_reporting.dashboards.exports import OverdueAction, ProjectLine
from pmo_reporting.dashboards.repository import ResultRow
from pmo_reporting.dashboards.schemas import Attention, KpiPoint, KpiRisks
from pmo_reporting.logic.curve import curve_months, planned_totals, split_at
from pmo_reporting.logic.evm import derive_evm, from_cents
from pmo_reporting.logic.periods import add_months, month_of, today
from pmo_reporting.logic.targets import Targets, report_age_days
from pmo_reporting.readmodels.models import PortfolioView
from pmo_reporting.targets.repository import targets_for

KPI_MONTHS = 12
"""The workbook's KPIs sheet: the year up to the as-of month."""


def project_line(row: ResultRow, as_of: date, targets: Targets, *, current: bool) -> ProjectLine:
    """A row of `queries.project_rows` with the figures derived from its BAC, PV, EV and AC. Without
    a forecast in the report, the forecast is the project's own finish date (in effect on the date)
    and budget: today's, or as of a past date the plan's in force then (the read models keep no
    older copies of a project's budget, and a past report must not change after a later edit)."""
    bac = from_cents(row.bac)
    evm = derive_evm(
        bac,
        from_cents(row.pv),
        from_cents(row.ev),
        from_cents(row.ac),
        forecast_cost=row.forecast_cost,
        forecast_finish=row.forecast_finish_date,
        baseline_finish=row.finish_date,
        targets=targets,
        report_age_days=report_age_days(row.report_as_of, as_of, row.stage),
    )
    own_budget = row.own_budget if current else bac
    return ProjectLine(
        project_id=row.id,
        code=row.code,
        name=row.name,
        stage=row.stage,
        manager=row.manager,
        report_as_of=row.report_as_of,
        overall=row.overall,
        percent_complete=row.percent_complete,
        evm=evm,
        escalated_risks=row.escalated,
        programme=row.programme,
        sponsor=row.sponsor,
        baseline_start=row.start_date,
        baseline_finish=row.finish_date,
        forecast_finish=row.forecast_finish_date or row.own_finish,
        forecast_cost=row.forecast_cost if row.forecast_cost is not None else own_budget,
        tags=tuple(row.tags or ()),
        fields=dict(row.custom_fields or {}),
    )


@dataclass(frozen=True)
class Projects:
    lines: list[ProjectLine]
    attention: list[Attention]
    """Every project needing attention, most reasons first, then by code (the dashboard's order)."""


async def projects(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> Projects:
    current = as_of >= today()
    targets = await targets_for(session, portfolio.id)
    rows = await queries.project_rows(session, portfolio.id, as_of, current=current, targets=targets)
    needing = sorted((r for r in rows if r.reasons > 0), key=lambda r: (-r.reasons, r.code, str(r.id)))
    return Projects(
        lines=[project_line(row, as_of, targets, current=current) for row in rows],
        attention=[service.attention_of(row, as_of, targets) for row in needing],
    )


def field_definitions(portfolio: PortfolioView) -> list[dict[str, Any]]:
    """The portfolio's custom field definitions, in definition order."""
    return [d for d in (portfolio.fields or []) if isinstance(d, dict) and "key" in d]


def field_keys(portfolio: PortfolioView) -> list[str]:
    return [str(d["key"]) for d in field_definitions(portfolio)]


async def curve(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> Curve:
    """History up to the as-of month (each earlier month as of its end, in the KPI series' few
    statements; the as-of month as of the date), then the PV of the plans in force on the date
    (`logic.curve`)."""
    current = as_of >= today()
    plans, forecasts = await queries.curve_plans(session, portfolio.id, as_of, current=current)
    months = curve_months([p.start for p in plans], [*(p.finish for p in plans), *forecasts], as_of)
    past, future = split_at(months, as_of)
    ended = past[:-1]  # the months before the as-of month: their ends are before the date
    by_month = await kpi_queries.evm_groups_by_month(session, portfolio.id, ended)
    totals = [service.totals_of(by_month[m]) for m in ended]
    totals.append(await service.totals_as_of(session, portfolio.id, as_of))
    pv: list[Decimal] = [t.pv for t in totals] + planned_totals(plans, future)
    ev: list[Decimal | None] = [t.ev for t in totals] + [None] * len(future)
    ac: list[Decimal | None] = [t.ac for t in totals] + [None] * len(future)
    return Curve(months, pv, ev, ac)


async def overdue(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> list[OverdueAction]:
    return [
        OverdueAction(title=a.title, owner=a.owner, due_date=a.due_date, status=a.status)
        for a in await governance.overdue_actions(session, portfolio.id, as_of, limit=None)
        if a.due_date is not None
    ]


async def board_pack(session: AsyncSession, portfolio: PortfolioView, as_of: date, locale: str) -> BoardPack:
    current = as_of >= today()
    board = await service.dashboard(session, portfolio, as_of)
    risks = await repository.risk_figures(session, portfolio.id, as_of, current=current, top=0)
    return BoardPack(
        portfolio_name=portfolio.name,
        board=board,
        attention=(await projects(session, portfolio, as_of)).attention,
        curve=await curve(session, portfolio, as_of),
        heatmap=risks.heatmap,
        overdue=await overdue(session, portfolio, as_of),
        generated=today(),
        locale=locale,
    )


async def kpi_points(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> list[KpiPoint]:
    """The year of monthly figures up to the as-of month, each as of its month end (the series of
    `GET …/kpis`), the as-of month's as of the date itself, so nothing after it is shown."""
    last = month_of(as_of)
    first = add_months(last, 1 - KPI_MONTHS)
    points = list((await service.kpis(session, portfolio, MonthRange(first, add_months(last, -1)))).items)
    current = as_of >= today()
    groups = await repository.evm_groups(session, portfolio.id, as_of, current=current)
    risks = await repository.risk_figures(session, portfolio.id, as_of, current=current, top=0)
    points.append(
        KpiPoint(
            month=last,
            as_of=as_of,
            projects=service.counts_of(groups),
            evm=service.evm_of(groups),
            risks=KpiRisks(open=risks.open, escalated=risks.escalated, emv_total=risks.emv_total),
        )
    )
    return points


@dataclass(frozen=True)
class Register:
    risks: Sequence[Any]
    actions: Sequence[Any]
    decisions: Sequence[Any]


async def register(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> Register:
    current = as_of >= today()
    return Register(
        risks=await queries.open_risks(session, portfolio.id, as_of, current=current),
        actions=await queries.actions(session, portfolio.id, as_of),
        decisions=await queries.decisions(session, portfolio.id, as_of),
    )

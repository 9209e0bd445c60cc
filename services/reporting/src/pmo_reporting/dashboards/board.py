"""The exports: the CSV of every project's figures and the one-page HTML board report, both from
the same SQL figures as the dashboard."""

from __future__ import annotations

from datetime import date

import anyio
from pmo_common.contracts.types import months_between
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting import charts
from pmo_reporting.dashboards import exports, governance, repository, service
from pmo_reporting.dashboards.exports import OverdueAction, ProjectLine
from pmo_reporting.dashboards.repository import ResultRow
from pmo_reporting.logic.evm import derive_evm, from_cents
from pmo_reporting.logic.periods import add_months, month_end, month_of, today
from pmo_reporting.readmodels.models import PortfolioView

S_CURVE_MONTHS = 24


def project_line(row: ResultRow) -> ProjectLine:
    """A row of `repository.project_lines` with the figures derived from its BAC, PV, EV and AC."""
    evm = derive_evm(
        from_cents(row.bac),
        from_cents(row.pv),
        from_cents(row.ev),
        from_cents(row.ac),
        forecast_cost=row.forecast_cost,
        forecast_finish=row.forecast_finish_date,
        baseline_finish=row.finish_date,
    )
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
    )


async def report_csv(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> str:
    rows = await repository.project_lines(session, portfolio.id, as_of, current=as_of >= today())
    return exports.portfolio_csv([project_line(row) for row in rows])


def s_curve_months(earliest_start: date | None, as_of: date) -> list[str]:
    """From the earliest baseline start (at most S_CURVE_MONTHS back; a year without one) to the
    as-of month."""
    last = month_of(as_of)
    first = month_of(earliest_start) if earliest_start else add_months(last, -11)
    first = min(max(first, add_months(last, -(S_CURVE_MONTHS - 1))), last)
    return months_between(first, last)


async def report_html(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> str:
    current = as_of >= today()
    board = await service.dashboard(session, portfolio, as_of)
    risks = await repository.risk_figures(session, portfolio.id, as_of, current=current, top=0)
    start = await repository.earliest_start(session, portfolio.id, as_of, current=current)
    months = s_curve_months(start, as_of)
    pv, ev, ac = [], [], []
    for month in months:
        totals = await service.totals_as_of(session, portfolio.id, min(month_end(month), as_of))
        pv.append(totals.pv)
        ev.append(totals.ev)
        ac.append(totals.ac)
    curve = await anyio.to_thread.run_sync(charts.s_curve_svg, months, pv, ev, ac, portfolio.currency)
    heat = await anyio.to_thread.run_sync(charts.heatmap_svg, risks.heatmap)
    overdue = [
        OverdueAction(title=a.title, owner=a.owner, due_date=a.due_date, status=a.status)
        for a in await governance.overdue_actions(session, portfolio.id, as_of)
        if a.due_date is not None
    ]
    return exports.board_report_html(portfolio.name, board, curve, heat, months, today(), overdue)

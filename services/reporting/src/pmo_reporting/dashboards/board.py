"""The exports: the CSV of every project's latest figures and the one-page HTML board report."""

from __future__ import annotations

from datetime import date

import anyio
from pmo_common.contracts.types import month_index
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting import charts
from pmo_reporting.dashboards import exports, service
from pmo_reporting.logic.periods import add_months, month_end, month_of, today
from pmo_reporting.readmodels.models import PortfolioView

S_CURVE_MONTHS = 24


async def report_csv(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> str:
    figures = await service.portfolio_figures(session, portfolio.id, as_of, top_risks=0)
    return exports.portfolio_csv(figures)


def s_curve_months(figures: service.PortfolioFigures) -> list[str]:
    """From the earliest baseline start (at most S_CURVE_MONTHS back) to the as-of month."""
    last = month_of(figures.as_of)
    starts = [month_of(p.project.start_date) for p in figures.projects if p.project.start_date]
    first = max(min(starts, default=add_months(last, -11)), add_months(last, -(S_CURVE_MONTHS - 1)))
    if month_index(first) > month_index(last):
        first = last
    return [add_months(first, i) for i in range(month_index(last) - month_index(first) + 1)]


async def report_html(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> str:
    current = await service.portfolio_figures(session, portfolio.id, as_of)
    board = await service.dashboard_of(session, portfolio, current)
    months = s_curve_months(current)
    pv, ev, ac = [], [], []
    for month in months:
        totals = (
            current.totals
            if month == months[-1]
            else await service.totals_as_of(session, portfolio.id, min(month_end(month), as_of))
        )
        pv.append(totals.pv)
        ev.append(totals.ev)
        ac.append(totals.ac)
    curve = await anyio.to_thread.run_sync(charts.s_curve_svg, months, pv, ev, ac, portfolio.currency)
    heat = await anyio.to_thread.run_sync(charts.heatmap_svg, current.risks.heatmap)
    return exports.board_report_html(portfolio.name, board, curve, heat, months, today())

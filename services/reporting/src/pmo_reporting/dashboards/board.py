"""The exports: the CSV of every project's figures, the workbook (report.xlsx), and the board report
as HTML and as PDF, all from the same SQL figures as the dashboard (`boardpack.gather`). Rendering
(openpyxl, matplotlib) is CPU-bound and runs in a worker thread."""

from __future__ import annotations

from datetime import date

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting import charts
from pmo_reporting.boardpack import gather, html, pdf, sheets, xlsx
from pmo_reporting.boardpack.model import BoardPack
from pmo_reporting.boardpack.money import DEFAULT_LOCALE
from pmo_reporting.dashboards import exports
from pmo_reporting.readmodels.models import PortfolioView


async def report_csv(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> str:
    lines = (await gather.projects(session, portfolio, as_of)).lines
    return exports.portfolio_csv(lines, gather.field_keys(portfolio))


async def report_xlsx(session: AsyncSession, portfolio: PortfolioView, as_of: date) -> bytes:
    """The workbook: Projects (the CSV's columns), Risks, Actions, Decisions, KPIs."""
    lines = (await gather.projects(session, portfolio, as_of)).lines
    register = await gather.register(session, portfolio, as_of)
    points = await gather.kpi_points(session, portfolio, as_of)
    workbook = [
        sheets.project_sheet(lines, gather.field_definitions(portfolio)),
        sheets.risk_sheet(register.risks),
        sheets.action_sheet(register.actions, as_of),
        sheets.decision_sheet(register.decisions),
        sheets.kpi_sheet(points),
    ]
    title = f"{portfolio.name} — board pack as of {as_of.isoformat()}"
    return await anyio.to_thread.run_sync(xlsx.workbook_bytes, title, portfolio.currency, workbook)


def _html(pack: BoardPack) -> str:
    c = pack.curve
    curve = charts.s_curve_svg(c.months, c.pv, c.ev, c.ac, pack.board.currency, pack.locale)
    return html.board_report_html(pack, curve, charts.heatmap_svg(pack.heatmap))


async def report_html(
    session: AsyncSession, portfolio: PortfolioView, as_of: date, locale: str = DEFAULT_LOCALE
) -> str:
    pack = await gather.board_pack(session, portfolio, as_of, locale)
    return await anyio.to_thread.run_sync(_html, pack)


async def report_pdf(
    session: AsyncSession, portfolio: PortfolioView, as_of: date, locale: str = DEFAULT_LOCALE
) -> bytes:
    pack = await gather.board_pack(session, portfolio, as_of, locale)
    return await anyio.to_thread.run_sync(pdf.board_report_pdf, pack)

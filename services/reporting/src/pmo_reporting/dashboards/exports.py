"""The portfolio's CSV export and its one-page HTML board report (pure formatting, no I/O)."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from pmo_common.contracts.types import format_money

from pmo_reporting.dashboards.schemas import Dashboard
from pmo_reporting.logic.evm import Evm, rounded_ratio

CSV_COLUMNS = (
    "project_id",
    "code",
    "name",
    "stage",
    "manager",
    "report_as_of",
    "overall",
    "percent_complete",
    "bac",
    "pv",
    "ev",
    "ac",
    "sv",
    "cv",
    "spi",
    "cpi",
    "eac",
    "etc",
    "vac",
    "tcpi",
    "schedule_slip_days",
    "suggested_rag",
    "escalated_risks",
)


def _text(value: str | None) -> str:
    """Neutralise spreadsheet formulas in user text (CSV injection): a leading =, +, -, @ is quoted."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_money(value)
    return str(value)


@dataclass(frozen=True)
class ProjectLine:
    """One project's row of the CSV export: the project, its report in effect and its figures."""

    project_id: uuid.UUID
    code: str
    name: str
    stage: str
    manager: str | None
    report_as_of: date | None
    overall: str | None
    percent_complete: float | None
    evm: Evm
    escalated_risks: int


@dataclass(frozen=True)
class OverdueAction:
    """A line of the board report's overdue actions."""

    title: str
    owner: str | None
    due_date: date
    status: str


def portfolio_csv(lines: Sequence[ProjectLine]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        e = line.evm
        writer.writerow(
            [
                str(line.project_id),
                _text(line.code),
                _text(line.name),
                line.stage,
                _text(line.manager),
                line.report_as_of.isoformat() if line.report_as_of else "",
                line.overall or "",
                "" if line.percent_complete is None else line.percent_complete,
                _cell(e.bac),
                _cell(e.pv),
                _cell(e.ev),
                _cell(e.ac),
                _cell(e.sv),
                _cell(e.cv),
                _cell(rounded_ratio(e.spi)),
                _cell(rounded_ratio(e.cpi)),
                _cell(e.eac),
                _cell(e.etc),
                _cell(e.vac),
                _cell(rounded_ratio(e.tcpi)),
                _cell(e.schedule_slip_days),
                e.suggested_rag or "",
                line.escalated_risks,
            ]
        )
    return buffer.getvalue()


def _img(svg: bytes, alt: str) -> str:
    data = base64.b64encode(svg).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _governance_tables(board: Dashboard, overdue: Sequence[OverdueAction]) -> str:
    """The overdue actions (longest overdue first) and the latest decisions, user text escaped."""
    action_rows = (
        "".join(
            f"<tr><td>{a.due_date.isoformat()}</td><td>{(board.as_of - a.due_date).days}</td>"
            f"<td>{escape(a.title)}</td><td>{escape(a.owner or '—')}</td><td>{escape(a.status)}</td></tr>"
            for a in overdue
        )
        or '<tr><td colspan="5">No overdue actions.</td></tr>'
    )
    decision_rows = (
        "".join(
            f"<tr><td>{d.decided_at.date().isoformat()}</td><td>{d.sequence}</td><td>{escape(d.kind)}</td>"
            f"<td>{escape(d.title)}</td><td>{escape(d.decided_by)}</td></tr>"
            for d in board.decisions.latest
        )
        or '<tr><td colspan="5">No decisions recorded.</td></tr>'
    )
    return f"""<h2>Overdue actions ({board.actions.overdue} of {board.actions.open} open)</h2>
<table class="overdue-actions"><thead><tr><th>Due</th><th>Days overdue</th><th>Action</th><th>Owner</th>
<th>Status</th></tr></thead><tbody>{action_rows}</tbody></table>
<h2>Recent decisions</h2>
<table class="recent-decisions"><thead><tr><th>Decided</th><th>No.</th><th>Kind</th><th>Decision</th>
<th>Decided by</th></tr></thead><tbody>{decision_rows}</tbody></table>
"""


def _counts(mapping: dict[str, int]) -> str:
    return ", ".join(f"{escape(k)}: {v}" for k, v in sorted(mapping.items())) or "—"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{margin:0 0 4px}.sub{color:#666;margin:0 0 16px}
.kpis{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}
.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.kpi b{display:block;font-size:1.4em}
.charts{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
.charts img{max-width:100%;border:1px solid #eee}
table{border-collapse:collapse;margin-top:8px}
td,th{border-bottom:1px solid #eee;padding:4px 8px;text-align:left}
.red{color:#b00020;font-weight:600}
"""


def board_report_html(
    portfolio_name: str,
    board: Dashboard,
    s_curve: bytes,
    heatmap: bytes,
    months: Sequence[str],
    generated: date,
    overdue: Sequence[OverdueAction] = (),
) -> str:
    """One page: headline figures, the S-curve, the risk heat map, attention, top risks, overdue
    actions and recent decisions. Every piece of user text is escaped."""
    e, r, p = board.evm, board.risks, board.projects
    kpis = [
        ("Projects", str(p.total)),
        ("BAC", f"{format_money(e.bac)} {board.currency}"),
        ("SPI", _ratio(e.spi)),
        ("CPI", _ratio(e.cpi)),
        ("Open risks", str(r.open)),
        ("Escalated", str(r.escalated)),
        ("Risk EMV", f"{format_money(r.emv_total)} {board.currency}"),
    ]
    attention_rows = (
        "".join(
            f"<tr><td>{escape(a.code)}</td><td>{escape(a.name)}</td>"
            f"<td>{escape('; '.join(a.reasons))}</td></tr>"
            for a in board.attention
        )
        or '<tr><td colspan="3">Nothing needs attention.</td></tr>'
    )
    risk_rows = (
        "".join(
            f"<tr><td>{t.score}</td><td>{escape(t.level)}</td><td>{escape(t.title)}</td>"
            f"<td>{format_money(t.emv)}</td><td>{'yes' if t.escalated else ''}</td></tr>"
            for t in r.top
        )
        or '<tr><td colspan="5">No open risks.</td></tr>'
    )
    period = f"{months[0]} – {months[-1]}" if months else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(portfolio_name)} — portfolio report</title>
<style>{_STYLE}</style></head><body>
<h1>{escape(portfolio_name)}</h1>
<p class="sub">Portfolio report as of {board.as_of.isoformat()} · generated {generated.isoformat()}</p>
<div class="kpis">{"".join(f'<div class="kpi">{escape(k)}<b>{escape(v)}</b></div>' for k, v in kpis)}</div>
<p>By stage: {_counts(p.by_stage)}. By overall RAG: {_counts(p.by_rag)}.
Risks by level: {_counts(r.by_level)}.</p>
<div class="charts">
<figure>{_img(s_curve, "Portfolio S-curve: PV, EV and AC by month")}
<figcaption>{escape(period)}</figcaption></figure>
<figure>{_img(heatmap, "Risk heat map: open risks by probability and impact")}</figure>
</div>
<h2>Needs attention ({board.attention_total})</h2>
<table><thead><tr><th>Code</th><th>Project</th><th>Reasons</th></tr></thead><tbody>{attention_rows}</tbody></table>
<h2>Top risks</h2>
<table><thead><tr><th>Score</th><th>Level</th><th>Risk</th>
<th>EMV ({escape(board.currency)})</th><th>Escalated</th></tr></thead>
<tbody>{risk_rows}</tbody></table>
{_governance_tables(board, overdue)}</body></html>
"""

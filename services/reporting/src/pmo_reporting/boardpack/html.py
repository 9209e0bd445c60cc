"""The HTML board report (pure formatting, no I/O): headline figures, the S-curve and the risk heat
map (SVG as data: URIs), every project that needs attention, the top risks, every overdue action
and the recent decisions. Amounts are formatted for reading (`boardpack.money`); every piece of user
text is escaped; the page loads nothing from anywhere (no external URL, no script; even the icon
is an empty data: URI, so a browser does not ask for /favicon.ico)."""

from __future__ import annotations

import base64
from html import escape

from pmo_reporting.boardpack.model import BoardPack, counts_text


def _img(svg: bytes, alt: str) -> str:
    data = base64.b64encode(svg).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _attention_table(pack: BoardPack) -> str:
    rows = (
        "".join(
            f"<tr><td>{escape(a.code)}</td><td>{escape(a.name)}</td>"
            f"<td>{escape('; '.join(a.reasons))}</td></tr>"
            for a in pack.attention
        )
        or '<tr><td colspan="3">Nothing needs attention.</td></tr>'
    )
    return f"""<h2>Needs attention ({len(pack.attention)})</h2>
<table class="attention"><thead><tr><th>Code</th><th>Project</th><th>Reasons</th></tr></thead>
<tbody>{rows}</tbody></table>
"""


def _risk_table(pack: BoardPack) -> str:
    rows = (
        "".join(
            f"<tr><td>{t.score}</td><td>{escape(t.level)}</td><td>{escape(t.title)}</td>"
            f'<td class="amount">{escape(pack.amount(t.emv))}</td><td>{"yes" if t.escalated else ""}</td></tr>'
            for t in pack.board.risks.top
        )
        or '<tr><td colspan="5">No open risks.</td></tr>'
    )
    return f"""<h2>Top risks</h2>
<table class="top-risks"><thead><tr><th>Score</th><th>Level</th><th>Risk</th><th>EMV</th><th>Escalated</th>
</tr></thead><tbody>{rows}</tbody></table>
"""


def _governance_tables(pack: BoardPack) -> str:
    """The overdue actions (longest overdue first) and the latest decisions."""
    board = pack.board
    action_rows = (
        "".join(
            f"<tr><td>{a.due_date.isoformat()}</td><td>{(board.as_of - a.due_date).days}</td>"
            f"<td>{escape(a.title)}</td><td>{escape(a.owner or '—')}</td><td>{escape(a.status)}</td></tr>"
            for a in pack.overdue
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


_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px;background:#fff}
h1{margin:0 0 4px}.sub{color:#666;margin:0 0 16px}
.kpis{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}
.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.kpi b{display:block;font-size:1.4em;white-space:nowrap}
.charts{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
.charts img{max-width:100%;border:1px solid #eee}
table{border-collapse:collapse;margin-top:8px}
th{background:#dde6f3}
td,th{border-bottom:1px solid #eee;padding:4px 8px;text-align:left}
td.amount{text-align:right;white-space:nowrap}
"""


def board_report_html(pack: BoardPack, s_curve: bytes, heatmap: bytes) -> str:
    """One page: headline figures, the two charts, then the tables."""
    board = pack.board
    p, r = board.projects, board.risks
    name = escape(pack.portfolio_name)
    tiles = "".join(f'<div class="kpi">{escape(k)}<b>{escape(v)}</b></div>' for k, v in pack.headline())
    return f"""<!DOCTYPE html>
<html lang="{escape(pack.locale.split("_")[0])}"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>{name} — portfolio report</title><style>{_STYLE}</style></head><body>
<h1>{name}</h1>
<p class="sub">Portfolio report as of {board.as_of.isoformat()} · generated {pack.generated.isoformat()} ·
amounts in {escape(board.currency)}</p>
<div class="kpis">{tiles}</div>
<p>By stage: {escape(counts_text(p.by_stage))}. By overall RAG: {escape(counts_text(p.by_rag))}.
Risks by level: {escape(counts_text(r.by_level))}.</p>
<div class="charts">
<figure>{_img(s_curve, "Portfolio S-curve: PV, EV and AC by month")}
<figcaption>{escape(pack.period)}</figcaption></figure>
<figure>{_img(heatmap, "Risk heat map: open risks by probability and impact")}</figure>
</div>
{_attention_table(pack)}{_risk_table(pack)}{_governance_tables(pack)}</body></html>
"""

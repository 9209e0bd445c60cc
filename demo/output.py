"""What the loader prints at the end: the dashboard in a few lines, each programme's figures, the
breakdown by phase, and the URLs to open with the token. No requests here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pmo_common.contracts.types import month_from_index, month_index

from demo.client import Config

Out = Callable[[str], None]


def amount(value: Decimal | str) -> str:
    return f"{Decimal(value):,.0f}"


def urls(config: Config, portfolio_id: str) -> dict[str, str]:
    rep = config.url("reporting") + f"/portfolios/{portfolio_id}"
    now = month_index(datetime.now(UTC).strftime("%Y-%m"))
    year_ago, next_year = month_from_index(now - 11), month_from_index(now + 11)
    return {
        "dashboard": f"{rep}/dashboard",
        "report.html": f"{rep}/report.html",
        "report.csv": f"{rep}/report.csv",
        "kpis": f"{rep}/kpis?from={year_ago}&to={month_from_index(now)}",
        "breakdown": f"{rep}/breakdown?by=field.phase",
        "programmes": config.url("portfolio") + f"/programmes?portfolio_id={portfolio_id}",
        "benefits": config.url("portfolio") + f"/benefits?portfolio_id={portfolio_id}",
        "ranking": config.url("portfolio") + f"/portfolios/{portfolio_id}/ranking?method=weighted",
        "risks": config.url("risk") + f"/risks?portfolio_id={portfolio_id}&sort=-score",
        "capacity": config.url("resource")
        + f"/capacity?group_by=role&from={month_from_index(now)}&to={next_year}",
    }


def print_urls(config: Config, links: Mapping[str, str], out: Out) -> None:
    out("")
    out("Open (every URL needs the token):")
    for name, url in links.items():
        out(f"  {name:<12} {url}")
    token = "$PMO_TOKEN" if not config.minted else config.bearer()
    out("")
    if config.minted:
        out("The loader minted an admin token with the development secret:")
        out(f"  export PMO_TOKEN={token}")
    out(f'  curl -s -H "Authorization: Bearer $PMO_TOKEN" {links["dashboard"]} | python -m json.tool')
    out(f'  curl -s -H "Authorization: Bearer $PMO_TOKEN" -o report.html {links["report.html"]}')
    out(f'  curl -s -H "Authorization: Bearer $PMO_TOKEN" -o report.csv {links["report.csv"]}')
    out(f"  API docs: {config.root('portfolio')}/docs, {config.root('risk')}/docs, "
        f"{config.root('resource')}/docs, {config.root('reporting')}/docs")  # fmt: skip


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} %"


def summarise(board: dict[str, Any], out: Out) -> None:
    projects, evm, risks, cap = board["projects"], board["evm"], board["risks"], board["capacity"]
    stages = ", ".join(f"{n} {s}" for s, n in sorted(projects["by_stage"].items(), key=lambda kv: -kv[1]))
    rag = ", ".join(f"{n} {s}" for s, n in sorted(projects["by_rag"].items(), key=lambda kv: -kv[1]))
    out("")
    out(f"Dashboard as of {board['as_of']} ({board['currency']}):")
    out(f"  projects     {projects['total']}: {stages}")
    out(f"  RAG          {rag}")
    out(
        f"  EVM          BAC {amount(evm['bac'])}, PV {amount(evm['pv'])}, EV {amount(evm['ev'])}, "
        f"AC {amount(evm['ac'])}, SPI {evm['spi']}, CPI {evm['cpi']}"
    )
    out(
        f"  forecast     EAC {amount(evm['eac'])}, VAC {amount(evm['vac'])}, "
        f"{evm['slipped_projects']} projects slipping (on average {evm['avg_slip_days']} days)"
    )
    out(
        f"  risks        {risks['open']} open, {risks['escalated']} escalated, "
        f"EMV {amount(risks['emv_total'])}"
    )
    busiest = sorted(
        ((r, u) for r, u in cap["utilisation_by_role"].items() if u is not None), key=lambda ru: -ru[1]
    )[:4]
    shown = ", ".join(f"{r} {u:.0%}" for r, u in busiest)
    out(f"  capacity     {cap['period']}: {shown}; {len(cap['overallocated'])} people over-allocated")
    benefits = board["benefits"]
    out(f"  benefits     {benefits['count']}, on average {_percent(benefits['realised_percent'])} realised")
    out(f"  attention    {board['attention_total']} projects, e.g.")
    for item in board["attention"][:3]:
        out(f"               {item['code']}: {'; '.join(item['reasons'])}")


def summarise_structure(
    programmes: Mapping[str, dict[str, Any]], names: Mapping[str, str], phases: list[dict[str, Any]], out: Out
) -> None:
    """Each programme's dashboard in a line, and the portfolio by phase."""
    for code, board in programmes.items():
        evm, benefits = board["evm"], board["benefits"]
        out(
            f"  {code:<12} {names[code]}: {board['projects']['total']} projects, BAC {amount(evm['bac'])}, "
            f"SPI {evm['spi']}, CPI {evm['cpi']}; {benefits['count']} benefits, "
            f"{_percent(benefits['realised_percent'])} realised"
        )
    shown = ", ".join(
        f"{row['key'] or 'none'} {row['projects']} (BAC {amount(row['bac'])})" for row in phases
    )
    out(f"  by phase     {shown}")

"""The portfolio dashboard's rules (documented in the API), as plain data and a pure function; the
database evaluates the same rules in `dashboards.repository` so that a dashboard is a few grouped
queries, and the reasons are worded here.

- EVM sums cover projects in the approved, in_progress, on_hold and closed stages (proposals,
  rejected and cancelled projects have no committed baseline); each sum adds the figures known, and
  SPI and CPI are ratios of sums over the projects that have both figures (`logic.evm.Totals`).
- Attention, under the portfolio's KPI targets (`logic.targets`): "overall RAG red"; SPI or CPI red,
  worded at the precision it is compared at ("SPI 0.8491 below 0.85"); "n escalated risk(s)"; and for
  projects in progress "no status report" (never) or "no status report for n days" (a report age
  in the red: beyond the `report_age_days` amber limit, 35 days by default).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pmo_reporting.logic.targets import DEFAULT_TARGETS, REPORTING_STAGES, Targets, judged

__all__ = ["EVM_STAGES", "REPORTING_STAGES", "attention_reasons"]

EVM_STAGES = ("approved", "in_progress", "on_hold", "closed")


def attention_reasons(
    overall: str | None,
    spi: Decimal | None,
    cpi: Decimal | None,
    escalated: int,
    stage: str,
    report_as_of: date | None,
    as_of: date,
    targets: Targets = DEFAULT_TARGETS,
) -> list[str]:
    """Why a project needs attention (the rules above); [] when it does not."""
    reasons = []
    if overall == "red":
        reasons.append("overall RAG red")
    for name, value, band in (("SPI", spi, targets.spi), ("CPI", cpi, targets.cpi)):
        colour, reason = judged(name, value, band)
        if colour == "red" and reason is not None:
            reasons.append(reason)
    if escalated:
        reasons.append(f"{escalated} escalated risk{'s' if escalated != 1 else ''}")
    if stage in REPORTING_STAGES:
        if report_as_of is None:
            reasons.append("no status report")
        elif targets.report_age_days.colour(Decimal((as_of - report_as_of).days)) == "red":
            reasons.append(f"no status report for {(as_of - report_as_of).days} days")
    return reasons

"""The portfolio dashboard's rules (documented in the API), as plain data and a pure function; the
database evaluates the same rules in `dashboards.repository` so that a dashboard is a few grouped
queries, and the reasons are worded here.

- EVM sums cover projects in the approved, in_progress, on_hold and closed stages (proposals,
  rejected and cancelled projects have no committed baseline); unknown figures count as zero.
- Attention: "overall RAG red"; "SPI x below 0.85" / "CPI x below 0.85"; "n escalated risk(s)";
  and for projects in progress "no status report" (never) or "no status report for n days"
  (none in the 35 days up to as_of).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pmo_reporting.logic.evm import RED_BELOW, rounded_ratio

EVM_STAGES = ("approved", "in_progress", "on_hold", "closed")
REPORTING_STAGES = ("in_progress",)
LATE_AFTER_DAYS = 35


def attention_reasons(
    overall: str | None,
    spi: Decimal | None,
    cpi: Decimal | None,
    escalated: int,
    stage: str,
    report_as_of: date | None,
    as_of: date,
) -> list[str]:
    """Why a project needs attention (the rules above); [] when it does not."""
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

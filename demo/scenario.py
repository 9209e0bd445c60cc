"""The next planning round's rules (contract §7.4): a budget per fiscal year and two groups of
underwriting projects. No I/O here.

The fiscal-year budgets are worked out from the projects' own cost by month, counted the way the
portfolio service counts it (linear by day over the project's dates; an in-progress project only from
the scenario's start period on), so that every year holds what must be done — the running and the
mandatory projects — plus a share of what may be: generous in every year but the one where most of
the proposals' money falls, which binds, and the scenario's exclusions say so."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pmo_common.contracts.types import month_from_index
from pmo_common.mspdi.monthly import spread_by_day

from demo.projects import ProjectPlan

CANDIDATE_STAGES = ("proposal", "approved", "on_hold", "in_progress")  # what a selection chooses among
TIGHT_SHARE = Decimal("0.4")  # of the optional projects' cost in the binding year
LOOSE_SHARE = Decimal("0.85")  # in the other years
ROUND_TO = 100_000_00  # cents: budgets are set in hundreds of thousands

# (codes, rule, name): the pricing engine only with the workbench that uses it, and the underwriters
# can take one big change per round — the pricing package or the broker API.
GROUPS: list[tuple[tuple[str, ...], str, str]] = [
    (("PRICING-ENG", "UW-WB"), "all_or_none", "Underwriting modernisation"),
    (("PRICING-ENG", "BROKER-API"), "at_most_one", "One underwriting change per round"),
]


@dataclass
class ScenarioRules:
    start_period: str  # "YYYY-MM"
    period_budgets: list[dict[str, str]]  # {"from", "to", "amount", "name"}
    groups: list[tuple[tuple[str, ...], str, str]] = field(default_factory=lambda: list(GROUPS))
    binding: str = ""  # the name of the year meant to bind


def counted_by_month(plan: ProjectPlan, start_period: str) -> dict[str, int]:
    """A candidate's cost (cents) by month as the selection counts it."""
    total = int(Decimal(plan.body["budget"]) * 100)
    start, finish = date.fromisoformat(plan.body["start_date"]), date.fromisoformat(plan.body["finish_date"])
    months = spread_by_day(total, start, finish)
    if plan.spec.stage == "in_progress":  # what is spent is spent
        return {m: c for m, c in months.items() if m >= start_period}
    return months


def required_codes(projects: Iterable[ProjectPlan]) -> set[str]:
    """The projects every selection holds: running and mandatory ones, with what they depend on."""
    plans = {p.code: p for p in projects if p.spec.stage in CANDIDATE_STAGES}
    todo = [c for c, p in plans.items() if p.spec.stage == "in_progress" or p.spec.mandatory]
    required: set[str] = set()
    while todo:
        code = todo.pop()
        if code in plans and code not in required:
            required.add(code)
            todo.extend(plans[code].spec.depends_on)
    return required


def fiscal_years(cur: int, last_month: int) -> list[int]:
    """Two or three calendar years to budget: from the current one while four of its months (the
    current one included) are left to plan in, else from the next; as far as the candidates cost
    anything, three at most."""
    year, month = divmod(cur, 12)
    first = year if month <= 8 else year + 1
    last = max(first + 1, min(first + 2, last_month // 12))
    return list(range(first, last + 1))


def _round_up(cents: Decimal) -> int:
    return math.ceil(cents / ROUND_TO) * ROUND_TO


def scenario_rules(projects: list[ProjectPlan], cur: int) -> ScenarioRules:
    start_period = month_from_index(cur)
    candidates = [p for p in projects if p.spec.stage in CANDIDATE_STAGES]
    required = required_codes(candidates)
    monthly = {p.code: counted_by_month(p, start_period) for p in candidates}
    years = fiscal_years(cur, max(p.finish for p in candidates))

    def in_year(codes: Iterable[str], year: int) -> Decimal:
        return Decimal(sum(c for code in codes for m, c in monthly[code].items() if m.startswith(f"{year}-")))

    optional = [p.code for p in candidates if p.code not in required]
    tight = max(years, key=lambda y: in_year(optional, y))
    budgets: list[dict[str, str]] = []
    for year in years:
        share = TIGHT_SHARE if year == tight else LOOSE_SHARE
        cents = _round_up(in_year(required, year) + share * in_year(optional, year))
        budgets.append(
            {
                "from": f"{year}-01",
                "to": f"{year}-12",
                "amount": f"{Decimal(cents) / 100:.2f}",
                "name": f"FY{year}",
            }
        )
    return ScenarioRules(start_period, budgets, binding=f"FY{tight}")


def scenario_body(rules: ScenarioRules, ids: dict[str, str]) -> dict[str, Any]:
    """The scenario's period budgets, groups and start period, with project codes turned into ids."""
    return {
        "period_budgets": rules.period_budgets,
        "groups": [
            {"project_ids": [ids[c] for c in codes], "rule": rule, "name": name}
            for codes, rule, name in rules.groups
        ],
        "start_period": rules.start_period,
    }

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pmo_common.contracts.types import RAG, Money, NonNegativeMoney
from pmo_common.examples import PORTFOLIO_ID, PROJECT_ID
from pydantic import BaseModel, ConfigDict, Field

# "Digital 2027" at the end of November 2026: "CRM replacement" (amber, its November report: EV
# 816,000.00, AC 850,000.00, forecast 1,290,000.00 a month late) and "Data platform" (in progress, no
# report yet, an escalated risk) are executing; "Mobile app" is a proposal (no money counted yet).
DATA_PLATFORM_ID = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
COUNTS_EXAMPLE: dict[str, Any] = {
    "total": 3,
    "by_stage": {"in_progress": 2, "proposal": 1},
    "by_rag": {"amber": 1, "none": 2},
}
EVM_EXAMPLE: dict[str, Any] = {
    "bac": "2000000.00",
    "pv": "1303296.70",
    "ev": "816000.00",
    "ac": "850000.00",
    "spi": 0.9034,
    "cpi": 0.96,
    "eac": "1290000.00",
    "etc": "440000.00",
    "vac": "-90000.00",
    "budget_growth": "90000.00",
    "slipped_projects": 1,
    "avg_slip_days": 31.0,
}
TOP_RISKS_EXAMPLE: list[dict[str, Any]] = [
    {
        "id": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        "project_id": DATA_PLATFORM_ID,
        "title": "Cloud contract not signed by January",
        "probability": 4,
        "impact": 4,
        "score": 16,
        "level": "critical",
        "emv": "-90000.00",
        "escalated": True,
    },
    {
        "id": "9a3d5e7f-1b2c-4d4e-8f60-7a8b9c0d1e2f",
        "project_id": PROJECT_ID,
        "title": "Data migration slips past go-live",
        "probability": 3,
        "impact": 4,
        "score": 12,
        "level": "high",
        "emv": "-70000.00",
        "escalated": False,
    },
]
DASHBOARD_EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID, "currency": "EUR", "as_of": "2026-11-30",
    "filters": {"programme_id": None, "tags": [], "fields": {}},
    "projects": COUNTS_EXAMPLE,
    "evm": EVM_EXAMPLE,
    "risks": {"open": 2, "by_level": {"critical": 1, "high": 1}, "escalated": 1, "emv_total": "-160000.00",
              "top": TOP_RISKS_EXAMPLE},
    "capacity": {
        "period": "2026-11", "utilisation_by_role": {"developer": 1.125},
        "overallocated": [{"resource_id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "role": "developer",
                           "period": "2026-11", "capacity_hours": 160.0, "demand_hours": 184.0,
                           "excess_hours": 24.0}],
    },
    "attention": [{"project_id": DATA_PLATFORM_ID, "code": "DATA-2027", "name": "Data platform",
                   "reasons": ["1 escalated risk", "no status report"], "suggested_rag": None}],
    "attention_total": 1,
    "actions": {"open": 1, "overdue": 1},
    "decisions": {"latest": [{"title": "Go-live moves from February to March 2027", "kind": "change",
                              "decided_by": "board", "decided_at": "2026-11-25T10:00:00Z", "sequence": 7}]},
    "benefits": {"count": 1, "realised_percent": 30.0},
}  # fmt: skip
KPI_SERIES_EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "items": [
        {"month": "2026-10", "as_of": "2026-10-31", "projects": COUNTS_EXAMPLE,
         "evm": {"bac": "2000000.00", "pv": "1138461.53", "ev": "720000.00", "ac": "745000.00", "spi": 0.8951,
                 "cpi": 0.9664, "eac": "1241666.67", "etc": "496666.67", "vac": "-41666.67",
                 "budget_growth": "41666.67", "slipped_projects": 0, "avg_slip_days": None},
         "risks": {"open": 2, "escalated": 1, "emv_total": "-160000.00"}},
        {"month": "2026-11", "as_of": "2026-11-30", "projects": COUNTS_EXAMPLE, "evm": EVM_EXAMPLE,
         "risks": {"open": 2, "escalated": 1, "emv_total": "-160000.00"}},
    ],
}  # fmt: skip


class ProjectCounts(BaseModel):
    total: int
    by_stage: dict[str, int]
    by_rag: dict[str, int] = Field(
        description="Overall RAG of each project's latest report; `none` = no report."
    )


class PortfolioEvm(BaseModel):
    """Sums over the portfolio's approved, in-progress, on-hold and closed projects (each sum adds
    the figures known), and the ratios of sums over matched pairs: `spi` = Σ EV / Σ PV over the
    projects that have both, `cpi` = Σ EV / Σ AC over those that have both — a project whose report
    omits the actual cost (or gives no EV) is left out of that ratio, not counted as zero. Each
    project counts against the baseline in force on the as-of date (BAC its budget, PV its
    time-phased cost unless the report states one), so the figures of a past date never change with a
    later re-plan."""

    bac: NonNegativeMoney
    pv: NonNegativeMoney
    ev: NonNegativeMoney
    ac: NonNegativeMoney
    spi: float | None
    cpi: float | None
    eac: NonNegativeMoney = Field(
        description="Σ EAC of the projects that have one (the reported forecast cost, else BAC / CPI)."
    )
    etc: Money = Field(description="Σ ETC (EAC − AC) of the projects that have both.")
    vac: Money = Field(description="Σ VAC (BAC − EAC) of the projects that have an EAC.")
    budget_growth: Money = Field(
        description="Σ EAC − Σ BAC over the projects that have an EAC (= −vac): a project without a "
        "forecast adds nothing, rather than showing as a saving of its whole budget."
    )
    slipped_projects: int = Field(
        description="Projects whose forecast finish (the report's `forecast_finish_date`, else the "
        "project's own finish date on the as-of date) is after the finish of the baseline in force."
    )
    avg_slip_days: float | None = Field(
        description="Their mean slip in days (2 decimals); null when none slipped."
    )


class BenefitSummary(BaseModel):
    """The benefits of the covered projects and programmes as of the date (without narrowing, all
    the portfolio's), each measured by its newest measurement dated on or before the date."""

    count: int
    realised_percent: float | None = Field(
        description="The mean realised_percent ((latest − baseline) / (target − baseline) × 100) of the "
        "benefits that have one; null when none has."
    )


class DashboardFilters(BaseModel):
    """What the dashboard was narrowed to (empty: the whole portfolio)."""

    programme_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list, description="Every covered project carries all of them.")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="`field.<key>` values asked for, as compared (numbers in their shortest form).",
    )


class TopRisk(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID | None
    title: str
    probability: int
    impact: int
    score: int
    level: str
    emv: Money
    escalated: bool


class RiskSummary(BaseModel):
    open: int
    by_level: dict[str, int]
    escalated: int
    emv_total: Money
    top: list[TopRisk] = Field(description="The 10 open risks with the highest score.")


class OverallocatedPerson(BaseModel):
    resource_id: uuid.UUID
    role: str
    period: str
    capacity_hours: float
    demand_hours: float
    excess_hours: float


class CapacitySummary(BaseModel):
    """For the month of `as_of`, the roles the allocations of the portfolio's projects use (in any
    month: demand is known per project and role) and the over-allocated people of those roles (an
    over-allocation names a person and their role, not the projects that caused it)."""

    period: str
    utilisation_by_role: dict[str, float | None] = Field(
        description="Per role the portfolio's projects use: everyone's demand ÷ capacity hours on it "
        "in the month (people serve every portfolio); null without capacity."
    )
    overallocated: list[OverallocatedPerson] = Field(
        description="Over-allocated people whose role the portfolio's projects use (at most 100, "
        "the largest excess first)."
    )


class Attention(BaseModel):
    project_id: uuid.UUID
    code: str
    name: str
    reasons: list[str] = Field(
        description="Under the portfolio's KPI targets: `overall RAG red`; a red SPI or CPI at the "
        "precision printed (`SPI 0.8491 below 0.85`); `n escalated risk(s)`; for a project in progress "
        "`no status report` or `no status report for n days` (beyond the report-age amber limit)."
    )
    suggested_rag: RAG | None = Field(
        default=None,
        description="The worst colour of its SPI, CPI and report age under the portfolio's KPI targets "
        "as of the date (null when none is known).",
    )


class ActionCounts(BaseModel):
    """The portfolio's action register as of the date: an action counts from its creation until it
    is closed (done or cancelled) or deleted; overdue = open with a due date before the date."""

    open: int = Field(description="Actions `open` or `in_progress` on the date.")
    overdue: int = Field(description="Of those, the ones whose due date was before the date.")


class LatestDecision(BaseModel):
    title: str
    kind: str
    decided_by: str
    decided_at: datetime
    sequence: int


class DecisionSummary(BaseModel):
    latest: list[LatestDecision] = Field(
        description="The 5 latest decision-log entries decided on or before the date, latest first."
    )


class Dashboard(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [DASHBOARD_EXAMPLE]})

    portfolio_id: uuid.UUID
    currency: str
    as_of: date
    filters: DashboardFilters = Field(default_factory=DashboardFilters)
    projects: ProjectCounts
    evm: PortfolioEvm
    risks: RiskSummary
    capacity: CapacitySummary
    attention: list[Attention] = Field(
        description="Projects needing attention, most reasons first (at most 100)."
    )
    attention_total: int
    actions: ActionCounts
    decisions: DecisionSummary
    benefits: BenefitSummary


class KpiRisks(BaseModel):
    open: int
    escalated: int
    emv_total: Money


class KpiPoint(BaseModel):
    month: str
    as_of: date
    projects: ProjectCounts
    evm: PortfolioEvm
    risks: KpiRisks


class KpiSeries(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [KPI_SERIES_EXAMPLE]})

    portfolio_id: uuid.UUID
    items: list[KpiPoint] = Field(description="One point per month, as of its last day, oldest first.")


BREAKDOWN_EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "currency": "EUR",
    "as_of": "2027-07-01",
    "by": "field.phase",
    "items": [
        {"key": "Build", "projects": 3, "bac": "900000.00", "pv": "410000.00", "ev": "380000.00",
         "ac": "400000.00", "eac": "947368.42", "vac": "-47368.42", "spi": 0.9268, "cpi": 0.95},
        {"key": None, "projects": 1, "bac": "0.00", "pv": "0.00", "ev": "0.00", "ac": "0.00",
         "eac": "0.00", "vac": "0.00", "spi": None, "cpi": None},
    ],
}  # fmt: skip


class BreakdownRow(BaseModel):
    key: str | None = Field(
        description="The stage, the programme's code, the manager or the field's value (numbers in their "
        "shortest form, dates YYYY-MM-DD); null for the projects without one."
    )
    projects: int
    bac: NonNegativeMoney
    pv: NonNegativeMoney
    ev: NonNegativeMoney
    ac: NonNegativeMoney
    eac: NonNegativeMoney
    vac: Money
    spi: float | None
    cpi: float | None


class Breakdown(BaseModel):
    """The dashboard's project count and EVM sums split by one dimension: the rows add up to the
    dashboard's `projects.total` and `evm` sums as of the same date (the same rules: money over the
    approved, in-progress, on-hold and closed projects; `spi`, `cpi` the ratios of each row's sums)."""

    model_config = ConfigDict(json_schema_extra={"examples": [BREAKDOWN_EXAMPLE]})

    portfolio_id: uuid.UUID
    currency: str
    as_of: date
    by: str
    items: list[BreakdownRow] = Field(
        description="One row per value (every one: not paged), stages in lifecycle order, other values "
        "in code-point order, the row without a value last."
    )

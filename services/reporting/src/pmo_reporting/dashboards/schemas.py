from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pmo_common.contracts.types import RAG, Money, NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field


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
    portfolio_id: uuid.UUID
    items: list[KpiPoint] = Field(description="One point per month, as of its last day, oldest first.")


BREAKDOWN_EXAMPLE: dict[str, Any] = {
    "portfolio_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
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

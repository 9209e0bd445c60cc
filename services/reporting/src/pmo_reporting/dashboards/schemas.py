from __future__ import annotations

import uuid
from datetime import date, datetime

from pmo_common.contracts.types import Money, NonNegativeMoney
from pydantic import BaseModel, Field


class ProjectCounts(BaseModel):
    total: int
    by_stage: dict[str, int]
    by_rag: dict[str, int] = Field(
        description="Overall RAG of each project's latest report; `none` = no report."
    )


class PortfolioEvm(BaseModel):
    """Sums over the portfolio's approved, in-progress, on-hold and closed projects (unknown figures
    count as zero), and the ratios of those sums. Each project counts against the baseline in force
    on the as-of date (BAC its budget, PV its time-phased cost unless the report states one), so the
    figures of a past date never change with a later re-plan."""

    bac: NonNegativeMoney
    pv: NonNegativeMoney
    ev: NonNegativeMoney
    ac: NonNegativeMoney
    spi: float | None
    cpi: float | None


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
    reasons: list[str]


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

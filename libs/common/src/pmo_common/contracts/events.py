"""The event catalogue: one class per subject of contract §4.

`data` carries the aggregate's full state after the change (so consumers apply "newest version
wins" and never call back) plus `changed`, the names of the fields the change touched. The
aggregate's `version` becomes the envelope's `sequence`; its `id` the envelope's `subject`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from pmo_common.contracts.types import Money, Month, NonNegativeMoney


class EventData(BaseModel):
    """Base of every event's `data`: the aggregate id and version, and what changed."""

    model_config = ConfigDict(extra="allow")

    id: uuid.UUID
    version: int = Field(ge=1)
    changed: list[str] = Field(default_factory=list)


class Event(BaseModel):
    """A catalogue entry: the subject it is published on and the shape of its data."""

    subject: ClassVar[str]
    aggregate: ClassVar[str]
    data_model: ClassVar[type[EventData]]
    description: ClassVar[str] = ""


CATALOGUE: dict[str, type[Event]] = {}


def _event(subject: str, data_model: type[EventData], description: str) -> type[Event]:
    parts = subject.split(".")
    name = "".join(p.title().replace("_", "") for p in parts[2:])
    cls = type(
        name,
        (Event,),
        {
            "subject": subject,
            "aggregate": parts[2],
            "data_model": data_model,
            "description": description,
            "__module__": __name__,
        },
    )
    CATALOGUE[subject] = cls
    return cls


# --- portfolio -----------------------------------------------------------------------------


class PortfolioData(EventData):
    name: str
    description: str = ""
    currency: str
    budget: NonNegativeMoney
    start_date: date | None = None
    end_date: date | None = None
    deleted: bool = False


class Wsjf(BaseModel):
    business_value: float = Field(ge=0)
    time_criticality: float = Field(ge=0)
    risk_reduction: float = Field(ge=0)
    job_size: float = Field(gt=0)


class ProjectData(EventData):
    portfolio_id: uuid.UUID
    code: str
    name: str
    description: str = ""
    sponsor: str | None = None
    manager: str | None = None
    budget: NonNegativeMoney
    start_date: date | None = None
    finish_date: date | None = None
    stage: str
    mandatory: bool = False
    depends_on: list[uuid.UUID] = Field(default_factory=list)
    excludes: list[uuid.UUID] = Field(default_factory=list)
    value: NonNegativeMoney | None = None
    wsjf: Wsjf | None = None
    scores: dict[str, float] = Field(default_factory=dict)
    deleted: bool = False


class ProjectStageChangedData(ProjectData):
    from_stage: str
    to_stage: str
    decision: str
    rationale: str = ""
    decided_by: str
    decided_at: datetime


class ScenarioApprovedData(EventData):
    portfolio_id: uuid.UUID
    name: str
    budget: NonNegativeMoney
    selected: list[uuid.UUID]
    total_value: float
    total_cost: NonNegativeMoney
    approved_by: str
    approved_at: datetime


ProjectCreated = _event("pmo.portfolio.project.created", ProjectData, "A project was proposed.")
ProjectUpdated = _event("pmo.portfolio.project.updated", ProjectData, "A project's fields or scores changed.")
ProjectStageChanged = _event(
    "pmo.portfolio.project.stage_changed", ProjectStageChangedData, "A gate decision moved a project."
)
ProjectDeleted = _event("pmo.portfolio.project.deleted", ProjectData, "A project was deleted (deleted=true).")
PortfolioCreated = _event("pmo.portfolio.portfolio.created", PortfolioData, "A portfolio was created.")
PortfolioUpdated = _event("pmo.portfolio.portfolio.updated", PortfolioData, "A portfolio changed.")
PortfolioDeleted = _event("pmo.portfolio.portfolio.deleted", PortfolioData, "A portfolio was deleted.")
ScenarioApproved = _event(
    "pmo.portfolio.scenario.approved", ScenarioApprovedData, "A selection scenario was approved."
)

# --- risk ----------------------------------------------------------------------------------


class CostImpact(BaseModel):
    min: NonNegativeMoney
    most_likely: NonNegativeMoney
    max: NonNegativeMoney


class ScoreSnapshot(BaseModel):
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    score: int = Field(ge=1, le=25)


class RiskData(EventData):
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None = None
    kind: str
    title: str
    category: str | None = None
    owner: str | None = None
    probability: int
    impact: int
    score: int
    level: str
    emv: Money
    escalated: bool
    residual: ScoreSnapshot | None = None
    cost_impact: CostImpact | None = None
    proximity_date: date | None = None
    status: str
    deleted: bool = False


class IssueData(EventData):
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None = None
    risk_id: uuid.UUID | None = None
    title: str
    owner: str | None = None
    priority: str
    status: str


RiskRaised = _event("pmo.risk.risk.raised", RiskData, "A risk or opportunity was raised.")
RiskUpdated = _event(
    "pmo.risk.risk.updated", RiskData, "A risk changed (fields, assessment, matrix re-level)."
)
RiskClosed = _event("pmo.risk.risk.closed", RiskData, "A risk was closed or deleted.")
RiskEscalated = _event(
    "pmo.risk.risk.escalated", RiskData, "A risk's current score reached the escalation score."
)
RiskDeescalated = _event(
    "pmo.risk.risk.deescalated", RiskData, "A risk's current score fell below the escalation score."
)
IssueOpened = _event("pmo.risk.issue.opened", IssueData, "An issue was opened (possibly from a risk).")
IssueUpdated = _event("pmo.risk.issue.updated", IssueData, "An issue changed.")

# --- resource ------------------------------------------------------------------------------


class ResourceData(EventData):
    external_id: str
    name: str
    role: str
    skills: list[str] = Field(default_factory=list)
    org_unit: str | None = None
    fte: Decimal
    hours_per_week: Decimal
    active: bool
    deleted: bool = False


class RoleMonthHours(BaseModel):
    role: str
    period: Month
    hours: float = Field(ge=0)


class CapacityChangedData(EventData):
    """The whole role × month capacity table (active people only): consumers replace theirs."""

    totals: list[RoleMonthHours]


class DemandChangedData(EventData):
    """One project's whole role × month demand (`id` is the project id)."""

    demand: list[RoleMonthHours]


class OverallocationDetectedData(EventData):
    """`id` is the resource id; `version` counts the detections for that person."""

    resource_id: uuid.UUID
    role: str
    period: Month
    capacity_hours: float
    demand_hours: float
    excess_hours: float


class ImportCompletedData(EventData):
    """`id` is the import id."""

    kind: str
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    atomic: bool
    dry_run: bool


ResourceUpserted = _event("pmo.resource.resource.upserted", ResourceData, "A person was created or changed.")
ResourceDeleted = _event("pmo.resource.resource.deleted", ResourceData, "A person was deleted.")
CapacityChanged = _event(
    "pmo.resource.capacity.changed", CapacityChangedData, "Role × month capacity totals changed."
)
DemandChanged = _event(
    "pmo.resource.demand.changed", DemandChangedData, "One project's role × month demand changed."
)
OverallocationDetected = _event(
    "pmo.resource.overallocation.detected",
    OverallocationDetectedData,
    "A person newly exceeds their capacity in a month.",
)
ImportCompleted = _event("pmo.resource.import.completed", ImportCompletedData, "A bulk import finished.")

# --- reporting -----------------------------------------------------------------------------


class StatusReportData(EventData):
    """`id` is the status report id."""

    project_id: uuid.UUID
    portfolio_id: uuid.UUID | None = None
    as_of: date
    overall: str
    scope: str
    schedule: str
    cost: str
    risk: str
    resources: str
    percent_complete: float
    actual_cost: NonNegativeMoney
    planned_value: NonNegativeMoney | None = None
    earned_value: NonNegativeMoney | None = None
    forecast_cost: NonNegativeMoney | None = None
    forecast_finish_date: date | None = None
    suggested_rag: str | None = None
    submitted_by: str


class ProjectHealthData(EventData):
    """`id` is the project id; `version` counts the project's health changes."""

    portfolio_id: uuid.UUID | None = None
    as_of: date
    overall: str
    previous_overall: str | None = None
    suggested_rag: str | None = None
    previous_suggested_rag: str | None = None
    spi: float | None = None
    cpi: float | None = None


StatusReportSubmitted = _event(
    "pmo.reporting.status_report.submitted", StatusReportData, "A project status report was submitted."
)
ProjectHealthChanged = _event(
    "pmo.reporting.project.health_changed",
    ProjectHealthData,
    "A project's overall RAG or suggested RAG changed.",
)


def event_class(subject: str) -> type[Event]:
    try:
        return CATALOGUE[subject]
    except KeyError:
        raise KeyError(f"{subject!r} is not in the event catalogue") from None


def validate_data(subject: str, data: dict[str, Any]) -> EventData:
    return event_class(subject).data_model.model_validate(data)

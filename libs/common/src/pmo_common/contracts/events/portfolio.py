"""The portfolio service's events (contract §4 and §7)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from pmo_common.contracts.events.base import Event, EventData
from pmo_common.contracts.types import Month, NonNegativeMoney


class FieldDefinitionData(BaseModel):
    """One custom project field of a portfolio (contract §7.2)."""

    key: str
    label: str
    type: str
    choices: list[str] = Field(default_factory=list)
    required: bool = False


class PortfolioData(EventData):
    name: str
    description: str = ""
    currency: str
    budget: NonNegativeMoney
    start_date: date | None = None
    end_date: date | None = None
    fields: list[FieldDefinitionData] = Field(
        default_factory=list, description="The portfolio's custom project field definitions."
    )
    deleted: bool = False


class Wsjf(BaseModel):
    business_value: float = Field(ge=0)
    time_criticality: float = Field(ge=0)
    risk_reduction: float = Field(ge=0)
    job_size: float = Field(gt=0)


class PeriodAmount(BaseModel):
    """One month of a cost profile."""

    period: Month
    amount: NonNegativeMoney


class BaselineTerms(BaseModel):
    """What a baseline fixes: the budget (BAC), the dates and the time-phased cost."""

    number: int = Field(ge=1)
    budget: NonNegativeMoney
    start_date: date | None = None
    finish_date: date | None = None
    cost_profile: list[PeriodAmount] = Field(default_factory=list)
    approved_at: datetime


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
    cost_profile: list[PeriodAmount] = Field(default_factory=list)
    baseline: BaselineTerms | None = Field(default=None, description="The baseline in force, if any.")
    programme_id: uuid.UUID | None = None
    fields: dict[str, Any] = Field(
        default_factory=dict, description="Custom field values by key (number, string or YYYY-MM-DD)."
    )
    tags: list[str] = Field(default_factory=list)
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
    budget: NonNegativeMoney | None = Field(
        default=None, description="null for a scenario with period budgets only (contract §7.4)."
    )
    selected: list[uuid.UUID]
    total_value: float
    total_cost: NonNegativeMoney
    approved_by: str
    approved_at: datetime


class ProjectCreated(Event[ProjectData]):
    """A project was proposed."""

    subject = "pmo.portfolio.project.created"


class ProjectUpdated(Event[ProjectData]):
    """A project's fields or scores changed."""

    subject = "pmo.portfolio.project.updated"


class ProjectStageChanged(Event[ProjectStageChangedData]):
    """A gate decision moved a project."""

    subject = "pmo.portfolio.project.stage_changed"


class ProjectDeleted(Event[ProjectData]):
    """A project was deleted (deleted=true)."""

    subject = "pmo.portfolio.project.deleted"


class PortfolioCreated(Event[PortfolioData]):
    """A portfolio was created."""

    subject = "pmo.portfolio.portfolio.created"


class PortfolioUpdated(Event[PortfolioData]):
    """A portfolio changed."""

    subject = "pmo.portfolio.portfolio.updated"


class PortfolioDeleted(Event[PortfolioData]):
    """A portfolio was deleted."""

    subject = "pmo.portfolio.portfolio.deleted"


class ScenarioApproved(Event[ScenarioApprovedData]):
    """A selection scenario was approved."""

    subject = "pmo.portfolio.scenario.approved"


class BaselineData(BaselineTerms, EventData):
    """`id` is the baseline id; a baseline never changes, so `version` is 1."""

    project_id: uuid.UUID
    portfolio_id: uuid.UUID
    rationale: str = ""
    approved_by: str


class BaselineApproved(Event[BaselineData]):
    """A project's baseline was approved: baseline 1 when it first entered `approved`, later ones by
    a re-baseline."""

    subject = "pmo.portfolio.baseline.approved"


class Link(BaseModel):
    type: str
    id: str


class DecisionData(EventData):
    """`id` is the entry id; entries are append-only (`version` 1), chained per portfolio."""

    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None = None
    programme_id: uuid.UUID | None = None
    kind: str
    title: str
    rationale: str = ""
    alternatives: list[str] = Field(default_factory=list)
    decided_by: str
    decided_at: datetime
    supersedes: uuid.UUID | None = None
    links: list[Link] = Field(default_factory=list)
    sequence: int = Field(ge=1)
    previous_hash: str
    hash: str


class DecisionRecorded(Event[DecisionData]):
    """An entry was added to a portfolio's decision log."""

    subject = "pmo.portfolio.decision.recorded"


class ActionSource(BaseModel):
    type: str
    id: str


class ActionData(EventData):
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None = None
    title: str
    description: str = ""
    owner: str | None = None
    due_date: date | None = None
    status: str
    source: ActionSource | None = None
    overdue: bool = False
    closed_at: datetime | None = None
    deleted: bool = False
    created_at: datetime | None = None
    """When the action entered the register (absent from older producers)."""


class ActionCreated(Event[ActionData]):
    """An action entered the register (directly, or from a status report or a risk response)."""

    subject = "pmo.portfolio.action.created"


class ActionUpdated(Event[ActionData]):
    """An action changed (or was deleted: deleted=true)."""

    subject = "pmo.portfolio.action.updated"


class ActionOverdue(Event[ActionData]):
    """An open action passed its due date (once per crossing, within seconds of it)."""

    subject = "pmo.portfolio.action.overdue"


class ProgrammeData(EventData):
    portfolio_id: uuid.UUID
    code: str
    name: str
    description: str = ""
    owner: str | None = None
    deleted: bool = False


class ProgrammeCreated(Event[ProgrammeData]):
    """A programme was created in a portfolio."""

    subject = "pmo.portfolio.programme.created"


class ProgrammeUpdated(Event[ProgrammeData]):
    """A programme changed."""

    subject = "pmo.portfolio.programme.updated"


class ProgrammeDeleted(Event[ProgrammeData]):
    """A programme was deleted (deleted=true); its projects no longer belong to a programme."""

    subject = "pmo.portfolio.programme.deleted"


class Measurement(BaseModel):
    as_of: date
    value: float
    note: str = ""


class BenefitData(EventData):
    """A benefit as served (`latest` and `realised_percent` as of the moment of the change)."""

    portfolio_id: uuid.UUID
    programme_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    name: str
    kind: str
    unit: str = ""
    baseline_value: float
    target_value: float
    target_date: date | None = None
    owner: str | None = None
    latest: Measurement | None = None
    realised_percent: float | None = None
    deleted: bool = False


class BenefitMeasuredData(BenefitData):
    measurement: Measurement = Field(description="The measurement just recorded.")


class BenefitCreated(Event[BenefitData]):
    """A benefit entered the register."""

    subject = "pmo.portfolio.benefit.created"


class BenefitUpdated(Event[BenefitData]):
    """A benefit's definition changed."""

    subject = "pmo.portfolio.benefit.updated"


class BenefitDeleted(Event[BenefitData]):
    """A benefit was deleted (deleted=true)."""

    subject = "pmo.portfolio.benefit.deleted"


class BenefitMeasured(Event[BenefitMeasuredData]):
    """A measurement of a benefit was recorded."""

    subject = "pmo.portfolio.benefit.measured"

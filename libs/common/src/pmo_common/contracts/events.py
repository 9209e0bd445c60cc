"""The event catalogue: one class per subject of contract §4.

`data` carries the aggregate's full state after the change (so consumers apply "newest version
wins" and never call back) plus `changed`, the names of the fields the change touched. The
aggregate's `version` becomes the envelope's `sequence`; its `id` the envelope's `subject`.

An event is a typed value: `ProjectCreated(data=ProjectData(...))`. `emit(session, event)` and
consumers registered with `handlers.on(ProjectCreated, ...)` both see the same class, so what a
producer sends and what a consumer reads are checked by mypy and by pydantic.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.types import Money, Month, NonNegativeMoney


class EventData(BaseModel):
    """Base of every event's `data`: the aggregate id and version, and what changed."""

    # `from_attributes`: data is built from the ORM object the change touched.
    model_config = ConfigDict(extra="allow", from_attributes=True)

    id: uuid.UUID
    version: int = Field(ge=1)
    changed: list[str] = Field(default_factory=list)


D = TypeVar("D", bound=EventData)


class Event(BaseModel, Generic[D]):
    """A catalogue entry: the subject it is published on and its typed `data`. Subclasses name
    their `subject`; the docstring is the description published in the AsyncAPI document."""

    subject: ClassVar[str]
    aggregate: ClassVar[str]
    data_model: ClassVar[type[EventData]]
    description: ClassVar[str] = ""

    data: D
    _envelope: CloudEvent | None = PrivateAttr(default=None)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        subject = cls.__dict__.get("subject")
        if subject is None:
            return  # a parametrised base such as Event[ProjectData], not a catalogue entry
        annotation = cls.model_fields["data"].annotation
        assert isinstance(annotation, type) and issubclass(annotation, EventData), cls
        cls.data_model = annotation
        cls.aggregate = subject.split(".")[2]
        cls.description = " ".join((cls.__doc__ or "").split())
        if subject in CATALOGUE:
            raise TypeError(
                f"{subject!r} is catalogued twice ({CATALOGUE[subject].__name__}, {cls.__name__})"
            )
        CATALOGUE[subject] = cls

    @property
    def envelope(self) -> CloudEvent:
        """The envelope a received event came in (id, time, request id)."""
        if self._envelope is None:
            raise AttributeError(f"{type(self).__name__} was built here, not received")
        return self._envelope

    @classmethod
    def received(cls, envelope: CloudEvent) -> Event[Any]:
        """The typed event of a received envelope (its data validated against the catalogue)."""
        event = cls.model_validate({"data": envelope.data})
        event._envelope = envelope
        return event


CATALOGUE: dict[str, type[Event[Any]]] = {}


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


class RiskRaised(Event[RiskData]):
    """A risk or opportunity was raised."""

    subject = "pmo.risk.risk.raised"


class RiskUpdated(Event[RiskData]):
    """A risk changed (fields, assessment, matrix re-level)."""

    subject = "pmo.risk.risk.updated"


class RiskClosed(Event[RiskData]):
    """A risk was closed or deleted."""

    subject = "pmo.risk.risk.closed"


class RiskEscalated(Event[RiskData]):
    """A risk's current score reached the escalation score."""

    subject = "pmo.risk.risk.escalated"


class RiskDeescalated(Event[RiskData]):
    """A risk's current score fell below the escalation score."""

    subject = "pmo.risk.risk.deescalated"


class IssueOpened(Event[IssueData]):
    """An issue was opened (possibly from a risk)."""

    subject = "pmo.risk.issue.opened"


class IssueUpdated(Event[IssueData]):
    """An issue changed."""

    subject = "pmo.risk.issue.updated"


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


class ResourceUpserted(Event[ResourceData]):
    """A person was created or changed."""

    subject = "pmo.resource.resource.upserted"


class ResourceDeleted(Event[ResourceData]):
    """A person was deleted."""

    subject = "pmo.resource.resource.deleted"


class CapacityChanged(Event[CapacityChangedData]):
    """Role × month capacity totals changed."""

    subject = "pmo.resource.capacity.changed"


class DemandChanged(Event[DemandChangedData]):
    """One project's role × month demand changed."""

    subject = "pmo.resource.demand.changed"


class OverallocationDetected(Event[OverallocationDetectedData]):
    """A person newly exceeds their capacity in a month."""

    subject = "pmo.resource.overallocation.detected"


class ImportCompleted(Event[ImportCompletedData]):
    """A bulk import finished."""

    subject = "pmo.resource.import.completed"


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


class StatusReportSubmitted(Event[StatusReportData]):
    """A project status report was submitted."""

    subject = "pmo.reporting.status_report.submitted"


class ProjectHealthChanged(Event[ProjectHealthData]):
    """A project's overall RAG or suggested RAG changed."""

    subject = "pmo.reporting.project.health_changed"


def event_class(subject: str) -> type[Event[Any]]:
    try:
        return CATALOGUE[subject]
    except KeyError:
        raise KeyError(f"{subject!r} is not in the event catalogue") from None


def validate_data(subject: str, data: dict[str, Any]) -> EventData:
    return event_class(subject).data_model.model_validate(data)

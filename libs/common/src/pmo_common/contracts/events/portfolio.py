"""The portfolio service's events (contract §4 and §7)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from pmo_common.contracts.events.base import Event, EventData
from pmo_common.contracts.types import NonNegativeMoney


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

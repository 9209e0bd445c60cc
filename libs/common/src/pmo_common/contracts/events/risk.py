"""The risk service's events (contract §4 and §7)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from pmo_common.contracts.events.base import Event, EventData
from pmo_common.contracts.types import Money, NonNegativeMoney


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


class ResponseData(EventData):
    """A risk response: `id` is the response id. Carries the risk's scope, so the action register
    (portfolio) lists responses as actions without calling back."""

    risk_id: uuid.UUID
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None = None
    strategy: str
    description: str = ""
    owner: str | None = None
    due_date: date | None = None
    status: str
    deleted: bool = False


class ResponseCreated(Event[ResponseData]):
    """A response was planned for a risk."""

    subject = "pmo.risk.response.created"


class ResponseUpdated(Event[ResponseData]):
    """A risk response changed."""

    subject = "pmo.risk.response.updated"

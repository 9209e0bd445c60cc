from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Self

from pmo_common.contracts.events import ScoreSnapshot
from pmo_common.contracts.types import LongText, Money, NonNegativeMoney, ShortText
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Scale = Field(ge=1, le=5)
Owner = Field(default=None, min_length=1, max_length=200)


class Kind(StrEnum):
    threat = "threat"
    opportunity = "opportunity"


class Status(StrEnum):
    open = "open"
    closed = "closed"


class Strategy(StrEnum):
    avoid = "avoid"
    reduce = "reduce"
    transfer = "transfer"
    accept = "accept"
    share = "share"
    exploit = "exploit"
    enhance = "enhance"
    escalate = "escalate"


THREAT_STRATEGIES = frozenset(
    {Strategy.avoid, Strategy.reduce, Strategy.transfer, Strategy.accept, Strategy.escalate}
)
OPPORTUNITY_STRATEGIES = frozenset(
    {Strategy.exploit, Strategy.enhance, Strategy.share, Strategy.accept, Strategy.escalate}
)


class ResponseStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"


class CostImpact(BaseModel):
    """A three-point estimate of what the risk costs (a threat) or gains (an opportunity)."""

    model_config = ConfigDict(extra="forbid")

    min: NonNegativeMoney
    most_likely: NonNegativeMoney
    max: NonNegativeMoney

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.min <= self.most_likely <= self.max:
            raise ValueError("cost_impact needs min <= most_likely <= max")
        return self


class RiskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portfolio_id: uuid.UUID | None = Field(
        default=None,
        description="Required for a portfolio-level risk; else it must be the project's (or omitted).",
    )
    project_id: uuid.UUID | None = Field(
        default=None, description="Null for a portfolio-level risk (admin/pmo)."
    )
    kind: Kind = Kind.threat
    title: ShortText
    description: LongText = ""
    cause: LongText = ""
    effect: LongText = ""
    category: str | None = Field(default=None, min_length=1, max_length=100)
    owner: str | None = Owner
    probability: int = Scale
    impact: int = Scale
    cost_impact: CostImpact | None = None
    proximity_date: date | None = None
    status: Status = Status.open


class RiskUpdate(BaseModel):
    """Any subset of the fields; `kind`, `portfolio_id` and `project_id` are fixed at creation."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    description: LongText | None = None
    cause: LongText | None = None
    effect: LongText | None = None
    category: str | None = Field(default=None, min_length=1, max_length=100)
    owner: str | None = Owner
    probability: int | None = Field(default=None, ge=1, le=5)
    impact: int | None = Field(default=None, ge=1, le=5)
    cost_impact: CostImpact | None = None
    proximity_date: date | None = None
    status: Status | None = None

    @field_validator("title", "description", "cause", "effect", "probability", "impact", "status")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only for fields the client sent: omitting a field keeps it, sending null is refused.
        if value is None:
            raise ValueError("cannot be null; omit the field to keep its value")
        return value


class RiskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None
    kind: Kind
    title: str
    description: str
    cause: str
    effect: str
    category: str | None
    owner: str | None
    probability: int
    impact: int
    cost_impact: CostImpact | None
    proximity_date: date | None
    status: Status
    score: int = Field(description="probability × impact (inherent), 1–25.")
    level: str = Field(description="The matrix level of `score`.")
    emv: Money = Field(
        description="Expected monetary value: probability% (from the matrix) × the triangular mean of "
        "cost_impact ((min + most_likely + max) / 3). Negative for a threat (an expected loss), positive for "
        "an opportunity (an expected gain); 0.00 without a cost impact."
    )
    escalated: bool = Field(
        description="The current score (residual if assessed, else inherent) reaches the escalation score."
    )
    residual: ScoreSnapshot | None = Field(description="The latest residual assessment, if any.")
    issue_id: uuid.UUID | None = Field(description="The issue this risk materialised into, if it did.")
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    basis: Literal["inherent", "residual"]
    probability: int = Scale
    impact: int = Scale
    note: LongText = ""


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    risk_id: uuid.UUID
    basis: Literal["inherent", "residual"]
    probability: int
    impact: int
    score: int
    note: str
    assessed_by: str
    created_at: datetime


class ResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: Strategy = Field(
        description="Threats: avoid, reduce, transfer, accept, escalate. "
        "Opportunities: exploit, enhance, share, accept, escalate."
    )
    description: LongText = ""
    owner: str | None = Owner
    due_date: date | None = None
    status: ResponseStatus = ResponseStatus.planned


class ResponseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: Strategy | None = None
    description: LongText | None = None
    owner: str | None = Owner
    due_date: date | None = None
    status: ResponseStatus | None = None

    @field_validator("strategy", "description", "status")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null; omit the field to keep its value")
        return value


class ResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    risk_id: uuid.UUID
    strategy: Strategy
    description: str
    owner: str | None
    due_date: date | None
    status: ResponseStatus
    version: int
    created_at: datetime
    updated_at: datetime


class RiskFilters(BaseModel):
    """The query of `GET /risks`: filters combine with AND."""

    portfolio_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    status: Status | None = None
    level: str | None = Field(default=None, min_length=1, max_length=50)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    sort: Literal["score", "-score"] | None = Field(
        default=None,
        description="`-score` highest score first, `score` lowest first (ties in creation order).",
    )


class OverdueFilters(BaseModel):
    """The query of `GET /responses/overdue`."""

    as_of: date | None = Field(default=None, description="Default: today (UTC).")
    portfolio_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, Self

from pmo_common.contracts.events import ScoreSnapshot
from pmo_common.contracts.types import LongText, Money, NonNegativeMoney, ShortText
from pmo_common.examples import CREATED_AT, MANAGER, PORTFOLIO_ID, PROJECT_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Scale = Field(ge=1, le=5)
Owner = Field(default=None, min_length=1, max_length=200)

RISK_ID = "9a3d5e7f-1b2c-4d4e-8f60-7a8b9c0d1e2f"
COST_IMPACT_EXAMPLE: dict[str, Any] = {"min": "50000.00", "most_likely": "120000.00", "max": "250000.00"}
RISK_CREATE_EXAMPLE: dict[str, Any] = {
    "project_id": PROJECT_ID,
    "kind": "threat",
    "title": "Data migration slips past go-live",
    "description": "The customer records of the legacy CRM may not be migrated in time.",
    "cause": "The legacy CRM's export format is undocumented.",
    "effect": "Go-live moves by a month and the vendor bills the extra month.",
    "category": "schedule",
    "owner": MANAGER,
    "probability": 3,
    "impact": 4,
    "cost_impact": COST_IMPACT_EXAMPLE,
    "proximity_date": "2027-05-31",
}
# Default matrix: probability level 3 is 50 %; 3 × 4 = 12 is `high` and below the escalation score 15;
# EMV = -(50 % × (50,000 + 120,000 + 250,000) / 3).
RISK_READ_EXAMPLE: dict[str, Any] = {
    "id": RISK_ID,
    "portfolio_id": PORTFOLIO_ID,
    **RISK_CREATE_EXAMPLE,
    "status": "open",
    "score": 12,
    "level": "high",
    "emv": "-70000.00",
    "escalated": False,
    "residual": {"probability": 2, "impact": 4, "score": 8},
    "issue_id": None,
    "created_by": MANAGER,
    "version": 2,
    "created_at": CREATED_AT,
    "updated_at": UPDATED_AT,
    "closed_at": None,
}
RESPONSE_CREATE_EXAMPLE: dict[str, Any] = {
    "strategy": "reduce",
    "description": "Run a trial migration of 10 % of the records in March.",
    "owner": "bob",
    "due_date": "2027-03-15",
    "status": "planned",
}


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

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [COST_IMPACT_EXAMPLE]})

    min: NonNegativeMoney
    most_likely: NonNegativeMoney
    max: NonNegativeMoney

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.min <= self.most_likely <= self.max:
            raise ValueError("cost_impact needs min <= most_likely <= max")
        return self


class RiskCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                RISK_CREATE_EXAMPLE,
                {
                    "portfolio_id": PORTFOLIO_ID,
                    "kind": "opportunity",
                    "title": "Volume discount on the licences of both CRM projects",
                    "probability": 2,
                    "impact": 3,
                    "cost_impact": {"min": "10000.00", "most_likely": "30000.00", "max": "40000.00"},
                },
            ]
        },
    )

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

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"probability": 4, "owner": "bob"}, {"status": "closed"}]},
    )

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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [RISK_READ_EXAMPLE]})

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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "basis": "residual",
                    "probability": 2,
                    "impact": 4,
                    "note": "After the trial migration: most records map one to one.",
                }
            ]
        },
    )

    basis: Literal["inherent", "residual"]
    probability: int = Scale
    impact: int = Scale
    note: LongText = ""


class AssessmentRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f",
                    "risk_id": RISK_ID,
                    "basis": "residual",
                    "probability": 2,
                    "impact": 4,
                    "score": 8,
                    "note": "After the trial migration: most records map one to one.",
                    "assessed_by": MANAGER,
                    "created_at": UPDATED_AT,
                }
            ]
        },
    )

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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RESPONSE_CREATE_EXAMPLE]})

    strategy: Strategy = Field(
        description="Threats: avoid, reduce, transfer, accept, escalate. "
        "Opportunities: exploit, enhance, share, accept, escalate."
    )
    description: LongText = ""
    owner: str | None = Owner
    due_date: date | None = None
    status: ResponseStatus = ResponseStatus.planned


class ResponseUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "in_progress"}, {"due_date": "2027-03-29", "owner": "carol"}]
        },
    )

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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "e1f2a3b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
                    "risk_id": RISK_ID,
                    **RESPONSE_CREATE_EXAMPLE,
                    "version": 1,
                    "created_at": CREATED_AT,
                    "updated_at": CREATED_AT,
                }
            ]
        },
    )

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

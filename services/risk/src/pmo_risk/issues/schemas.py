from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pmo_common.contracts.types import LongText, ShortText
from pydantic import BaseModel, ConfigDict, Field, field_validator


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class IssueStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"


class IssueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: ShortText
    description: LongText = ""
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    priority: Priority = Priority.medium
    status: IssueStatus = IssueStatus.open
    project_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = Field(default=None, description="Required without project_id.")
    risk_id: uuid.UUID | None = Field(default=None, description="A risk of the same portfolio (and project).")


class IssueUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    description: LongText | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    priority: Priority | None = None
    status: IssueStatus | None = None

    @field_validator("title", "description", "priority", "status")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null; omit the field to keep its value")
        return value


class MaterialiseRequest(BaseModel):
    """Optional overrides for the issue a risk becomes (defaults: the risk's title, description, owner)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    priority: Priority | None = Field(
        default=None,
        description="Default: the risk's level when it is one of low/medium/high/critical, else high.",
    )


class IssueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None
    risk_id: uuid.UUID | None
    title: str
    description: str
    owner: str | None
    priority: Priority
    status: IssueStatus
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class IssueFilters(BaseModel):
    """The query of `GET /issues`: filters combine with AND."""

    portfolio_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    risk_id: uuid.UUID | None = None
    status: IssueStatus | None = None
    priority: Priority | None = None

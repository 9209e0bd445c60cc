from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pmo_common.contracts.types import LongText, ShortText
from pmo_common.examples import CREATED_AT, MANAGER, PORTFOLIO_ID, PROJECT_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, field_validator

ISSUE_CREATE_EXAMPLE: dict[str, Any] = {
    "title": "Test environment unavailable for two weeks",
    "description": "The hosting provider moved the test cluster; integration tests are blocked.",
    "owner": "bob",
    "priority": "high",
    "status": "open",
    "project_id": PROJECT_ID,
}
ISSUE_READ_EXAMPLE: dict[str, Any] = {
    "id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
    "portfolio_id": PORTFOLIO_ID,
    **ISSUE_CREATE_EXAMPLE,
    "risk_id": None,
    "status": "in_progress",
    "created_by": MANAGER,
    "version": 2,
    "created_at": CREATED_AT,
    "updated_at": UPDATED_AT,
}


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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ISSUE_CREATE_EXAMPLE]})

    title: ShortText
    description: LongText = ""
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    priority: Priority = Priority.medium
    status: IssueStatus = IssueStatus.open
    project_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = Field(default=None, description="Required without project_id.")
    risk_id: uuid.UUID | None = Field(default=None, description="A risk of the same portfolio (and project).")


class IssueUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "resolved"}, {"priority": "critical"}]}
    )

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

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"title": "Data migration slipped past go-live", "priority": "critical"}]
        },
    )

    title: ShortText | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    priority: Priority | None = Field(
        default=None,
        description="Default: the risk's level when it is one of low/medium/high/critical, else high.",
    )


class IssueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [ISSUE_READ_EXAMPLE]})

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

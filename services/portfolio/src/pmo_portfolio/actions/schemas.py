"""The action register's API: `ActionCreate`/`ActionUpdate` in, `ActionRead` out, `ActionFilters`
for `GET /actions`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ActionStatus = Literal["open", "in_progress", "done", "cancelled"]
SourceType = Literal["status_report", "risk_response", "decision", "meeting", "other"]

Title = Field(min_length=1, max_length=200, examples=["Sign the hosting contract"])
Description = Field(max_length=10_000)
Owner = Field(
    default=None, min_length=1, max_length=200, description="Who does it (a `sub`).", examples=["olga"]
)

EXAMPLE: dict[str, Any] = {
    "portfolio_id": "6f1c2b9e-3d4a-4c6e-9b1a-2f3e4d5c6b7a",
    "project_id": "0b8e7d6c-5a4b-4c3d-8e2f-1a0b9c8d7e6f",
    "title": "Sign the hosting contract",
    "description": "Legal has approved the draft; the vendor waits for our signature.",
    "owner": "olga",
    "due_date": "2027-03-31",
    "status": "open",
    "source": {"type": "meeting", "id": "steering-2027-03-02"},
}


class ActionSourceIn(BaseModel):
    """Where the action comes from: a status report, a risk response, a decision, a meeting..."""

    model_config = ConfigDict(extra="forbid")

    type: SourceType
    id: str = Field(min_length=1, max_length=200, description="The source's id (any text for a meeting).")


class ActionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    portfolio_id: uuid.UUID | None = Field(
        default=None,
        description="Required without `project_id`; else the project's portfolio (may be omitted).",
    )
    project_id: uuid.UUID | None = Field(default=None, description="A project of the portfolio, or null.")
    title: str = Title
    description: str = Field(default="", max_length=10_000)
    owner: str | None = Owner
    due_date: date | None = None
    status: ActionStatus = "open"
    source: ActionSourceIn | None = None


class ActionUpdate(BaseModel):
    """Any subset; `portfolio_id` is fixed at creation. Omit a field to keep it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "done"}, {"due_date": "2027-04-15"}]}
    )

    project_id: uuid.UUID | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    owner: str | None = Owner
    due_date: date | None = None
    status: ActionStatus | None = None
    source: ActionSourceIn | None = None

    @field_validator("title", "description", "status")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only for fields the client sent: omitting a field keeps it, sending null is refused.
        if value is None:
            raise ValueError("cannot be null; omit the field to keep its value")
        return value


class ActionSourceRead(BaseModel):
    type: str
    id: str


class ActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None
    title: str
    description: str
    owner: str | None
    due_date: date | None
    status: ActionStatus
    source: ActionSourceRead | None
    overdue: bool = Field(description="Past `due_date` (UTC) and neither done nor cancelled.")
    closed_at: datetime | None = Field(description="When it became done or cancelled; null while open.")
    version: int
    created_at: datetime
    updated_at: datetime


class ActionFilters(BaseModel):
    """`GET /actions` narrowed down; every filter given must hold."""

    portfolio_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    status: ActionStatus | None = None
    overdue: bool | None = Field(
        default=None, description="`true`: only overdue actions (as of today, UTC); `false`: only the others."
    )
    due_before: date | None = Field(default=None, description="Only actions due before this date.")

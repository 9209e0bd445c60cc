"""The action register's API: `ActionCreate`/`ActionUpdate` in, `ActionRead` out, `ActionFilters`
for `GET /actions`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pmo_common.examples import CREATED_AT, PORTFOLIO_ID, PROJECT_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, field_validator

ActionStatus = Literal["open", "in_progress", "done", "cancelled"]
SourceType = Literal["status_report", "risk_response", "decision", "meeting", "other"]

Title = Field(min_length=1, max_length=200, examples=["Sign the hosting contract"])
Description = Field(max_length=10_000)
Owner = Field(
    default=None, min_length=1, max_length=200, description="Who does it (a `sub`).", examples=["olga"]
)

EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "project_id": PROJECT_ID,
    "title": "Sign the hosting contract",
    "description": "Legal has approved the draft; the vendor waits for our signature.",
    "owner": "olga",
    "due_date": "2026-12-18",
    "status": "open",
    "source": {"type": "meeting", "id": "steering-2026-12-01"},
}
# Served: the action above, and the one the risk service's response "Run a trial migration" brought
# into the register on its own (its title is the response's strategy and first line).
READ_EXAMPLES: list[Any] = [
    {
        "id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        **EXAMPLE,
        "overdue": False,
        "closed_at": None,
        "version": 1,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
    },
    {
        "id": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
        "portfolio_id": PORTFOLIO_ID,
        "project_id": PROJECT_ID,
        "title": "Reduce: Run a trial migration of 10 % of the records in March.",
        "description": "Run a trial migration of 10 % of the records in March.",
        "owner": "bob",
        "due_date": "2027-03-15",
        "status": "open",
        "source": {"type": "risk_response", "id": "e1f2a3b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b"},
        "overdue": False,
        "closed_at": None,
        "version": 1,
        "created_at": UPDATED_AT,
        "updated_at": UPDATED_AT,
    },
]


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
        extra="forbid", json_schema_extra={"examples": [{"status": "done"}, {"due_date": "2027-01-15"}]}
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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": READ_EXAMPLES})

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

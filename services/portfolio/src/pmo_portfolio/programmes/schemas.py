"""The programmes API: `ProgrammeCreate`/`ProgrammeUpdate` in, `ProgrammeRead` out."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmo_portfolio.projects.schemas import CODE

EXAMPLE: dict[str, Any] = {
    "portfolio_id": "6f1c2b9e-3d4a-4c6e-9b1a-2f3e4d5c6b7a",
    "code": "BRIDGES",
    "name": "Bridge renewal",
    "description": "Every bridge rehabilitation of the capital plan.",
    "owner": "olga",
}


class ProgrammeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    portfolio_id: uuid.UUID = Field(description="Fixed at creation.")
    code: str = Field(pattern=CODE, description="Unique within the portfolio.", examples=["BRIDGES"])
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    owner: str | None = Field(default=None, min_length=1, max_length=200, description="Who is accountable.")


class ProgrammeUpdate(BaseModel):
    """Any subset; omit a field to keep it. `portfolio_id` is fixed (its projects are in that portfolio)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"owner": "otto"}]})

    code: str | None = Field(default=None, pattern=CODE)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    owner: str | None = Field(default=None, min_length=1, max_length=200, description="null: no owner.")

    @field_validator("code", "name", "description")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only for fields the client sent: omitting a field keeps it, sending null is refused.
        if value is None:
            raise ValueError("cannot be null; omit the field to keep its value")
        return value


class ProgrammeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    portfolio_id: uuid.UUID
    code: str
    name: str
    description: str
    owner: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ProgrammeFilters(BaseModel):
    """`GET /programmes` narrowed down."""

    portfolio_id: uuid.UUID | None = Field(default=None, description="Only this portfolio's programmes.")

"""The programmes API: `ProgrammeCreate`/`ProgrammeUpdate` in, `ProgrammeRead` out."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pmo_common.examples import CREATED_AT, PORTFOLIO_ID, PROGRAMME_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmo_portfolio.projects.schemas import CODE

EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "code": "CUSTOMER",
    "name": "Customer platform",
    "description": "The CRM replacement and the customer portal built on it.",
    "owner": "olga",
}


class ProgrammeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    portfolio_id: uuid.UUID = Field(description="Fixed at creation.")
    code: str = Field(pattern=CODE, description="Unique within the portfolio.", examples=["CUSTOMER"])
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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": PROGRAMME_ID,
                    **EXAMPLE,
                    "version": 2,
                    "created_at": CREATED_AT,
                    "updated_at": UPDATED_AT,
                }
            ]
        },
    )

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

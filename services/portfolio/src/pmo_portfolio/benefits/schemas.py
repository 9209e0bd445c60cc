"""The benefits register's API: `BenefitCreate`/`BenefitUpdate` in, `BenefitRead` out,
`BenefitFilters` for `GET /benefits`; `MeasurementCreate` in, `MeasurementRead` out."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pmo_common.examples import CREATED_AT, PORTFOLIO_ID, PROJECT_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmo_portfolio.logic.benefits import VALUE_LIMIT

BenefitKind = Literal["financial", "non_financial"]
Value = Annotated[
    float,
    Field(
        ge=-VALUE_LIMIT,
        le=VALUE_LIMIT,
        allow_inf_nan=False,
        description=f"A finite number within ±{VALUE_LIMIT:.0e}, in the benefit's `unit`.",
    ),
]
Name = Field(min_length=1, max_length=200, examples=["Cost per support ticket"])
UNIT = "What the values count: `EUR`, `tickets/day`, `%`…"
Owner = Field(
    default=None, min_length=1, max_length=200, description="Who answers for it (a `sub`).", examples=["olga"]
)
Note = Field(default="", max_length=2000)

EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "programme_id": None,
    "project_id": PROJECT_ID,
    "name": "Cost per support ticket",
    "kind": "financial",
    "unit": "EUR",
    "baseline_value": 12,
    "target_value": 8,
    "target_date": "2027-12-31",
    "owner": "olga",
}
LATEST: dict[str, Any] = {"as_of": "2026-11-30", "value": 10.0, "note": "November tickets"}
READ_EXAMPLE: dict[str, Any] = {
    "id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
    **EXAMPLE,
    "baseline_value": 12.0,
    "target_value": 8.0,
    "latest": LATEST,
    "realised_percent": 50.0,
    "version": 3,
    "created_at": CREATED_AT,
    "updated_at": UPDATED_AT,
}


class BenefitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    portfolio_id: uuid.UUID
    programme_id: uuid.UUID | None = Field(default=None, description="A programme of the portfolio, or null.")
    project_id: uuid.UUID | None = Field(default=None, description="A project of the portfolio, or null.")
    name: str = Name
    kind: BenefitKind
    unit: str = Field(default="", max_length=50, description=UNIT)
    baseline_value: Value
    target_value: Value
    target_date: date | None = None
    owner: str | None = Owner


class BenefitUpdate(BaseModel):
    """Any subset; `portfolio_id` is fixed at creation. Omit a field to keep it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"target_value": 7.5}, {"project_id": None}]}
    )

    programme_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: BenefitKind | None = None
    unit: str | None = Field(default=None, max_length=50, description=UNIT)
    baseline_value: Value | None = None
    target_value: Value | None = None
    target_date: date | None = None
    owner: str | None = Owner

    @field_validator("name", "kind", "unit", "baseline_value", "target_value")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only for fields the client sent: omitting a field keeps it, sending null is refused.
        if value is None:
            raise ValueError("cannot be null; omit the field to keep its value")
        return value


class MeasurementValue(BaseModel):
    """A measurement as a benefit serves it (`latest`)."""

    as_of: date
    value: float
    note: str


class BenefitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [READ_EXAMPLE]})

    id: uuid.UUID
    portfolio_id: uuid.UUID
    programme_id: uuid.UUID | None
    project_id: uuid.UUID | None
    name: str
    kind: BenefitKind
    unit: str
    baseline_value: float
    target_value: float
    target_date: date | None
    owner: str | None
    latest: MeasurementValue | None = Field(
        description="The newest measurement on or before today (UTC); null before the first."
    )
    realised_percent: float | None = Field(
        description="(latest − baseline) / (target − baseline) × 100, whichever way the target lies "
        "(may exceed 100 or be negative); null without `latest` or when target equals baseline."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class BenefitFilters(BaseModel):
    """`GET /benefits` narrowed down; every filter given must hold."""

    portfolio_id: uuid.UUID | None = None
    programme_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None


class MeasurementCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"as_of": "2027-06-30", "value": 10, "note": "Q2 ticket costs"}]},
    )

    as_of: date = Field(description="The date the value was measured at (one measurement per date).")
    value: Value
    note: str = Note


class MeasurementRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "benefit_id": READ_EXAMPLE["id"],
                    **LATEST,
                    "recorded_by": "olga",
                    "created_at": "2026-11-30T16:05:00Z",
                    "updated_at": "2026-11-30T16:05:00Z",
                }
            ]
        },
    )

    benefit_id: uuid.UUID
    as_of: date
    value: float
    note: str
    recorded_by: str = Field(description="Who recorded the value (the `sub`), the last one if superseded.")
    created_at: datetime
    updated_at: datetime = Field(description="Differs from `created_at` once superseded.")

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Self

from pmo_common.contracts.events import PeriodAmount
from pmo_common.contracts.types import NonNegativeMoney
from pmo_common.examples import APPROVER, PROJECT_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pmo_portfolio.gates.schemas import CREATE_EXAMPLE as GATE_DECISION_EXAMPLE
from pmo_portfolio.projects.schemas import COST_PROFILE_EXAMPLE, CostProfile

# Change request CR-17 adds the call-centre integration: three more months and 300,000 more.
REBASELINE_EXAMPLE: dict[str, Any] = {
    "budget": "1500000.00",
    "finish_date": "2027-09-30",
    "cost_profile": [
        *COST_PROFILE_EXAMPLE[:3],
        {"period": "2027-04", "amount": "200000.00"},
        {"period": "2027-05", "amount": "150000.00"},
        {"period": "2027-06", "amount": "150000.00"},
        {"period": "2027-07", "amount": "150000.00"},
        {"period": "2027-08", "amount": "150000.00"},
        {"period": "2027-09", "amount": "100000.00"},
    ],
    "rationale": "Change request CR-17 (call-centre integration) approved by the board on 2027-03-02.",
}
# Baseline 1 of "CRM replacement": its plan when the investment board approved it.
FIRST_EXAMPLE: dict[str, Any] = {
    "id": "f6a7b8c9-d0e1-4f2a-8b3c-4d5e6f7a8b92",
    "project_id": PROJECT_ID,
    "number": 1,
    "budget": "1200000.00",
    "start_date": "2027-01-04",
    "finish_date": "2027-06-30",
    "cost_profile": COST_PROFILE_EXAMPLE,
    "rationale": GATE_DECISION_EXAMPLE["rationale"],
    "approved_by": APPROVER,
    "approved_at": UPDATED_AT,
    "version": 1,
}
SECOND_EXAMPLE: dict[str, Any] = {
    **FIRST_EXAMPLE,
    "id": "a7b8c9d0-e1f2-4a3b-9c4d-5e6f7a8b9ca3",
    "number": 2,
    **REBASELINE_EXAMPLE,
    "start_date": "2027-01-04",
    "approved_at": "2027-03-02T11:00:00Z",
}


class BaselineCreate(BaseModel):
    """A re-baseline. Each field left out is taken from the project as it stands (its forecast), so
    `{"rationale": "..."}` alone makes the current plan the new baseline."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                REBASELINE_EXAMPLE,
                {
                    "rationale": "Re-plan after the vendor's revised delivery schedule: the forecast is the plan."
                },
            ]
        },
    )

    budget: NonNegativeMoney | None = Field(default=None, description="Default: the project's budget.")
    start_date: date | None = Field(default=None, description="Default: the project's start_date.")
    finish_date: date | None = Field(default=None, description="Default: the project's finish_date.")
    cost_profile: CostProfile | None = Field(
        default=None,
        description="Default: the project's cost profile. It must fit this baseline's budget and dates.",
    )
    rationale: str = Field(min_length=1, max_length=5000, description="Why the plan changes (required).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date and self.finish_date and self.finish_date < self.start_date:
            raise ValueError("finish_date must not be before start_date")
        return self


class BaselineRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [FIRST_EXAMPLE, SECOND_EXAMPLE]}
    )

    id: uuid.UUID
    project_id: uuid.UUID
    number: int = Field(description="1 for the baseline taken at approval, then 2, 3, … for re-baselines.")
    budget: NonNegativeMoney = Field(description="The budget at completion (BAC) this baseline fixes.")
    start_date: date | None
    finish_date: date | None
    cost_profile: list[PeriodAmount]
    rationale: str
    approved_by: str = Field(
        description="The `sub` of who approved it (for baseline 1: the gate decision's)."
    )
    approved_at: datetime = Field(
        description="When it came into force; for baseline 1 the approving gate decision's `decided_at`."
    )
    version: int = Field(description="Always 1: a baseline never changes.")

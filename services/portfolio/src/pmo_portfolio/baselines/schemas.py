from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pmo_common.contracts.events import PeriodAmount
from pmo_common.contracts.types import NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pmo_portfolio.projects.schemas import CostProfile


class BaselineCreate(BaseModel):
    """A re-baseline. Each field left out is taken from the project as it stands (its forecast), so
    `{"rationale": "..."}` alone makes the current plan the new baseline."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "budget": "1500000.00",
                    "finish_date": "2027-12-31",
                    "rationale": "Scope change CR-17 approved by the board on 2027-03-02.",
                }
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
    model_config = ConfigDict(from_attributes=True)

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

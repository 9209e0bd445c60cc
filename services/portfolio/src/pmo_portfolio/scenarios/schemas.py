from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pmo_common.contracts.types import NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field

MAX_FORCED = 1000
MAX_WEIGHTS = 100
MAX_FRONTIER_POINTS = 50

Weight = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    budget: NonNegativeMoney
    respect_capacity: bool = Field(
        default=False,
        description="Keep each role's monthly demand within the capacity from the resource service.",
    )
    force_in: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_FORCED)
    force_out: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_FORCED)
    weights: dict[uuid.UUID, Weight] | None = Field(
        default=None,
        max_length=MAX_WEIGHTS,
        description="{criterion_id: weight} replacing the stored weights for this scenario; criteria not "
        "named weigh 0. null uses the criteria's weights.",
    )


class ExcludedProject(BaseModel):
    project_id: uuid.UUID
    reasons: list[str]


class SolverInfo(BaseModel):
    status: str
    optimal: bool
    seconds: float


class ScenarioResult(BaseModel):
    selected: list[uuid.UUID]
    excluded: list[ExcludedProject]
    total_value: float = Field(description="Sum of the selected projects' weighted priority scores.")
    total_cost: NonNegativeMoney
    budget_slack: NonNegativeMoney
    binding_constraints: list[str]
    solver: SolverInfo


class ScenarioRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    portfolio_id: uuid.UUID
    name: str
    budget: NonNegativeMoney
    respect_capacity: bool
    force_in: list[uuid.UUID]
    force_out: list[uuid.UUID]
    weights: dict[str, float] | None
    result: ScenarioResult
    status: str = Field(
        description="proposed, approved, or superseded (a later scenario of the portfolio was approved)"
    )
    created_by: str
    approved_by: str | None
    approved_at: datetime | None
    approved_projects: list[uuid.UUID] = Field(description="The proposals approving moved to approved.")
    version: int
    created_at: datetime
    updated_at: datetime


class FrontierPointRead(BaseModel):
    budget: NonNegativeMoney
    value: float
    project_ids: list[uuid.UUID]
    optimal: bool

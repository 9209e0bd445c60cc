from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pmo_common.contracts.types import Month
from pydantic import BaseModel, ConfigDict, Field

from pmo_resource.types import MAX_ALLOCATION_MONTHS, PositiveMonthHours, RoleName


class AllocationKind(StrEnum):
    planned = "planned"
    soft = "soft"
    hard = "hard"


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: uuid.UUID = Field(description="A project known from the portfolio service's events.")
    resource_id: uuid.UUID | None = Field(
        default=None, description="Null: demand for a role, not yet staffed."
    )
    role: RoleName | None = Field(
        default=None, description="Defaults to the resource's role; required without one."
    )
    start_period: Month
    end_period: Month = Field(
        description=f"Not before start_period; at most {MAX_ALLOCATION_MONTHS} months in all."
    )
    hours_per_period: PositiveMonthHours
    kind: AllocationKind = AllocationKind.planned


class AllocationUpdate(BaseModel):
    """`project_id` is fixed: move demand to another project by deleting and creating."""

    model_config = ConfigDict(extra="forbid")

    resource_id: uuid.UUID | None = None
    role: RoleName | None = None
    start_period: Month | None = None
    end_period: Month | None = None
    hours_per_period: PositiveMonthHours | None = None
    kind: AllocationKind | None = None


class AllocationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    resource_id: uuid.UUID | None
    role: str
    start_period: str
    end_period: str
    hours_per_period: PositiveMonthHours
    kind: AllocationKind
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime

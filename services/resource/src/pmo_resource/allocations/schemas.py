from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pmo_common.contracts.types import Month
from pmo_common.examples import CREATED_AT, MANAGER, PROJECT_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field

from pmo_resource.resources.schemas import RESOURCE_ID
from pmo_resource.types import MAX_ALLOCATION_MONTHS, PositiveMonthHours, RoleName

ALLOCATION_CREATE_EXAMPLE: dict[str, Any] = {
    "project_id": PROJECT_ID,
    "resource_id": RESOURCE_ID,
    "role": "developer",
    "start_period": "2027-01",
    "end_period": "2027-06",
    "hours_per_period": 80,
    "kind": "hard",
}


class AllocationKind(StrEnum):
    planned = "planned"
    soft = "soft"
    hard = "hard"


class AllocationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                ALLOCATION_CREATE_EXAMPLE,
                {
                    "project_id": PROJECT_ID,
                    "role": "business analyst",
                    "start_period": "2027-03",
                    "end_period": "2027-04",
                    "hours_per_period": 120,
                },
            ]
        },
    )

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

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"end_period": "2027-09", "hours_per_period": 60}, {"kind": "soft"}]},
    )

    resource_id: uuid.UUID | None = None
    role: RoleName | None = None
    start_period: Month | None = None
    end_period: Month | None = None
    hours_per_period: PositiveMonthHours | None = None
    kind: AllocationKind | None = None


class AllocationRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d7e",
                    **ALLOCATION_CREATE_EXAMPLE,
                    "created_by": MANAGER,
                    "version": 1,
                    "created_at": CREATED_AT,
                    "updated_at": UPDATED_AT,
                }
            ]
        },
    )

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

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pmo_resource.resources.schemas import RESOURCE_ID


class GroupBy(StrEnum):
    role = "role"
    resource = "resource"
    org_unit = "org_unit"


class CapacityItem(BaseModel):
    # 5 developers, one of them at 0.8 FTE: 4.8 × 40 h × 52 / 12 = 832 h of capacity in the month.
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "developer",
                    "period": "2027-01",
                    "capacity_hours": 832.0,
                    "demand_hours": 880.0,
                    "free_hours": -48.0,
                    "utilisation": 1.0577,
                }
            ]
        }
    )

    key: str | None = Field(
        description="The role name, the resource id, or the org unit (null for people without one)."
    )
    period: str = Field(examples=["2026-01"])
    capacity_hours: float
    demand_hours: float
    free_hours: float = Field(description="capacity − demand; negative when over-booked.")
    utilisation: float | None = Field(description="demand / capacity; null when capacity is 0.")


class OverallocationItem(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "resource_id": RESOURCE_ID,
                    "period": "2027-02",
                    "capacity_hours": 138.67,
                    "demand_hours": 160.0,
                    "excess_hours": 21.33,
                }
            ]
        }
    )

    resource_id: uuid.UUID
    period: str
    capacity_hours: float
    demand_hours: float
    excess_hours: float

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field


class GroupBy(StrEnum):
    role = "role"
    resource = "resource"
    org_unit = "org_unit"


class CapacityItem(BaseModel):
    key: str | None = Field(
        description="The role name, the resource id, or the org unit (null for people without one)."
    )
    period: str = Field(examples=["2026-01"])
    capacity_hours: float
    demand_hours: float
    free_hours: float = Field(description="capacity − demand; negative when over-booked.")
    utilisation: float | None = Field(description="demand / capacity; null when capacity is 0.")


class OverallocationItem(BaseModel):
    resource_id: uuid.UUID
    period: str
    capacity_hours: float
    demand_hours: float
    excess_hours: float

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pmo_common.contracts.types import NonNegativeMoney
from pmo_common.examples import CREATED_AT, UPDATED_AT
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pmo_resource.types import Email, ExternalId, Fte, HoursPerWeek, Name, OrgUnit, RoleName, Skill

MAX_SKILLS = 100
RESOURCE_ID = "2c9f3f8e-5b7a-4c1d-9e2f-3a4b5c6d7e8f"
RESOURCE_CREATE_EXAMPLE: dict[str, Any] = {
    "external_id": "HR-00042",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "role": "developer",
    "skills": ["python", "sql"],
    "org_unit": "R&D",
    "fte": 0.8,
    "hours_per_week": 40,
    "cost_rate": "95.00",
    "active": True,
}


def _unique(skills: list[str]) -> list[str]:
    return list(dict.fromkeys(skills))


Skills = Annotated[list[Skill], Field(max_length=MAX_SKILLS), AfterValidator(_unique)]


class ResourceCreate(BaseModel):
    """A person. The same shape is one row of `POST /imports/resources`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RESOURCE_CREATE_EXAMPLE]})

    external_id: ExternalId
    name: Name
    email: Email | None = None
    role: RoleName
    skills: Skills = Field(default_factory=list)
    org_unit: OrgUnit | None = None
    fte: Fte = Decimal("1")
    hours_per_week: HoursPerWeek = Decimal("40")
    cost_rate: NonNegativeMoney | None = Field(default=None, description="Cost per hour, a decimal string.")
    active: bool = True


class ResourceUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"fte": 1, "skills": ["python", "sql", "kotlin"]}, {"active": False}]
        },
    )

    external_id: ExternalId | None = None
    name: Name | None = None
    email: Email | None = None
    role: RoleName | None = None
    skills: Skills | None = None
    org_unit: OrgUnit | None = None
    fte: Fte | None = None
    hours_per_week: HoursPerWeek | None = None
    cost_rate: NonNegativeMoney | None = None
    active: bool | None = None


NOT_NULL_FIELDS = ("external_id", "name", "role", "skills", "fte", "hours_per_week", "active")


class ResourceRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": RESOURCE_ID,
                    **RESOURCE_CREATE_EXAMPLE,
                    "version": 3,
                    "created_at": CREATED_AT,
                    "updated_at": UPDATED_AT,
                }
            ]
        },
    )

    id: uuid.UUID
    external_id: str
    name: str
    email: str | None
    role: str
    skills: list[str]
    org_unit: str | None
    fte: Fte
    hours_per_week: HoursPerWeek
    cost_rate: NonNegativeMoney | None = Field(
        description="Null unless the caller is an admin, the PMO or a resource manager (contract §7.1)."
    )
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

from __future__ import annotations

import uuid
from typing import Literal

from pmo_common.contracts.types import Month
from pydantic import BaseModel, ConfigDict, Field

from pmo_resource.types import MonthHours


class MsProjectOptions(BaseModel):
    project_id: uuid.UUID = Field(
        description="The project the plan's allocations belong to (known from the portfolio service)."
    )
    dry_run: bool = Field(default=False, description="Work out and return the changes; write nothing.")


Action = Literal["created", "updated", "unchanged", "deleted"]


class ImportedPerson(BaseModel):
    action: Literal["created", "updated", "unchanged"]
    resource_id: uuid.UUID | None = Field(description="Null only in a dry run that would create the person.")
    external_id: str = Field(description="The resource's GUID, else `<project GUID>:<resource UID>`.")
    name: str
    role: str
    msproject_uid: int = Field(description="The resource's UID in the file.")


class ImportedAllocation(BaseModel):
    action: Action
    allocation_id: uuid.UUID
    resource_id: uuid.UUID | None = Field(
        description="Null for role demand (and for a person a dry run would create)."
    )
    external_id: str | None = Field(description="The person's external_id; null for role demand.")
    role: str
    start_period: Month
    end_period: Month
    hours_per_period: MonthHours


class Counts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


class MsProjectPeopleImport(BaseModel):
    """What importing the file did to people and allocations (or, with `dry_run`, would do)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": False,
                    "project_id": "8f14e45f-ceea-4e6b-a3c5-1b0f6c2a9d11",
                    "msproject_guid": "8C7B1E5A-3F2D-4A6B-9C1E-2D3F4A5B6C7D",
                    "people": {"created": 1, "updated": 0, "unchanged": 0, "deleted": 0},
                    "allocations": {"created": 2, "updated": 0, "unchanged": 0, "deleted": 0},
                    "person_items": [
                        {
                            "action": "created",
                            "resource_id": "2c9f3f8e-5b7a-4c1d-9e2f-3a4b5c6d7e8f",
                            "external_id": "D1E2F3A4-B5C6-4D7E-8F90-A1B2C3D4E5F6",
                            "name": "Ada Lovelace",
                            "role": "Business analyst",
                            "msproject_uid": 1,
                        }
                    ],
                    "allocation_items": [
                        {
                            "action": "created",
                            "allocation_id": "5a1e0c7b-2d3f-8a4b-9c5d-6e7f8a9b0c1d",
                            "resource_id": "2c9f3f8e-5b7a-4c1d-9e2f-3a4b5c6d7e8f",
                            "external_id": "D1E2F3A4-B5C6-4D7E-8F90-A1B2C3D4E5F6",
                            "role": "Business analyst",
                            "start_period": "2027-01",
                            "end_period": "2027-01",
                            "hours_per_period": 63.53,
                        },
                        {
                            "action": "created",
                            "allocation_id": "5a1e0c7b-2d3f-8b5c-8d6e-7f8a9b0c1d2e",
                            "resource_id": "2c9f3f8e-5b7a-4c1d-9e2f-3a4b5c6d7e8f",
                            "external_id": "D1E2F3A4-B5C6-4D7E-8F90-A1B2C3D4E5F6",
                            "role": "Business analyst",
                            "start_period": "2027-02",
                            "end_period": "2027-02",
                            "hours_per_period": 56.47,
                        },
                    ],
                    "warnings": [],
                }
            ]
        }
    )

    dry_run: bool
    project_id: uuid.UUID
    msproject_guid: str = Field(
        description="The file's project GUID (else the digest of its Name and CreationDate)."
    )
    people: Counts = Field(
        description="The file's work resources (Type 1); material and cost resources are ignored."
    )
    allocations: Counts = Field(
        description="Hours per month per person (or per role, for work no resource is assigned to); `deleted`: "
        "allocations an earlier import of this file made that the file no longer has."
    )
    person_items: list[ImportedPerson]
    allocation_items: list[ImportedAllocation] = Field(
        description="Every allocation the import touched or kept."
    )
    warnings: list[str] = Field(description="What was left out, e.g. an e-mail address that is not one.")

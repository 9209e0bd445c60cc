from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from pmo_common.contracts.events import PeriodAmount
from pmo_common.contracts.types import NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field

from pmo_portfolio.projects.schemas import ProjectRead

IMPORTED_FIELDS = ("name", "start_date", "finish_date", "budget", "cost_profile")
"""What a Microsoft Project file sets on its project; every other field is the portfolio's own."""


class ImportOptions(BaseModel):
    dry_run: bool = Field(default=False, description="Work out and return the changes; write nothing.")


class FieldChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    before: Any = Field(alias="from", description="The project's value before (null for a new project).")
    after: Any = Field(alias="to", description="The value from the file.")


class ImportedBaseline(BaseModel):
    """The file's Baseline 0 (of its project summary task) and what became of it."""

    action: Literal["recorded", "unchanged"] = Field(
        description="`recorded`: it is now the project's baseline in force (baseline 1 when the project had "
        "none, else a re-baseline, which the decision log records); `unchanged`: the baseline in force "
        "already has these terms. In a dry run: what would happen."
    )
    number: int = Field(description="The number it has (or would have) among the project's baselines.")
    budget: NonNegativeMoney
    start_date: date | None
    finish_date: date | None
    cost_profile: list[PeriodAmount]


class MsProjectImport(BaseModel):
    """What importing the file did (or, with `dry_run`, would do)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": False,
                    "action": "created",
                    "project_id": "8f14e45f-ceea-4e6b-a3c5-1b0f6c2a9d11",
                    "msproject_guid": "8C7B1E5A-3F2D-4A6B-9C1E-2D3F4A5B6C7D",
                    "guid_in_file": True,
                    "changes": {
                        "name": {"from": None, "to": "Office Move 2027"},
                        "budget": {"from": None, "to": "12000.00"},
                        "start_date": {"from": None, "to": "2027-01-04"},
                        "finish_date": {"from": None, "to": "2027-02-26"},
                        "cost_profile": {
                            "from": None,
                            "to": [
                                {"period": "2027-01", "amount": "6321.84"},
                                {"period": "2027-02", "amount": "5678.16"},
                            ],
                        },
                    },
                    "baseline": {
                        "action": "recorded",
                        "number": 1,
                        "budget": "10000.00",
                        "start_date": "2027-01-04",
                        "finish_date": "2027-02-19",
                        "cost_profile": [
                            {"period": "2027-01", "amount": "6078.43"},
                            {"period": "2027-02", "amount": "3921.57"},
                        ],
                    },
                    "project": None,
                }
            ]
        }
    )

    dry_run: bool
    action: Literal["created", "updated", "unchanged"] = Field(
        description="What happened to the project the file describes (found again by `msproject_guid`)."
    )
    project_id: uuid.UUID | None = Field(description="Null only in a dry run that would create the project.")
    msproject_guid: str = Field(
        description="The file's project GUID, else the SHA-256 of its Name and CreationDate (`guid_in_file` "
        "false): the key a later import of the same plan updates by."
    )
    guid_in_file: bool
    changes: dict[str, FieldChange] = Field(
        description=f"Each changed field of {', '.join(IMPORTED_FIELDS)} (and `code` for a new project)."
    )
    baseline: ImportedBaseline | None = Field(description="Null when the plan was never baselined.")
    project: ProjectRead | None = Field(
        description="The project after the import (as it stands, in a dry run; null if it would be created)."
    )

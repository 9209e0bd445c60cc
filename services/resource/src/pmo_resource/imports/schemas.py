from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pmo_common.contracts.problem import FieldError
from pmo_common.contracts.types import Month
from pmo_common.examples import CREATED_AT, model_examples
from pydantic import BaseModel, ConfigDict, Field

from pmo_resource.imports.models import ImportRun
from pmo_resource.types import ExternalId, MonthHours

MAX_ROWS = 200_000
MAX_REPORTED_REJECTIONS = 10_000


class CapacityRow(BaseModel):
    """One person's available hours in one month (replaces their default capacity for it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"external_id": "HR-00042", "period": "2027-01", "available_hours": 120},
                {"external_id": "HR-00042", "period": "2027-02", "available_hours": 160},
            ]
        },
    )

    external_id: ExternalId
    period: Month
    available_hours: MonthHours


class ImportOptions(BaseModel):
    """How an import is applied: its query parameters."""

    atomic: bool = Field(default=False, description="Apply nothing if any row is rejected (a 422 then).")
    dry_run: bool = Field(default=False, description="Validate and count only; nothing is written.")


class ImportAudit(BaseModel):
    """What the audit trail keeps of an import: its outcome, not its rejected rows (the stored
    report, `GET /imports/{import_id}`, has those)."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    atomic: bool
    dry_run: bool
    applied: bool
    received: int
    created: int
    updated: int
    unchanged: int
    rejected_count: int


class RejectedRow(BaseModel):
    row: int = Field(description="1-based position among the data rows (CSV: the header is not counted).")
    external_id: str | None
    errors: list[FieldError]


class ImportReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "import_id": "8d9e0f1a-2b3c-4d4e-8f5a-6b7c8d9e0f1a",
                    "kind": "resources",
                    "received": 3,
                    "created": 1,
                    "updated": 1,
                    "unchanged": 0,
                    "rejected": [
                        {
                            "row": 3,
                            "external_id": "HR-00077",
                            "errors": [
                                {"field": "fte", "message": "Input should be less than or equal to 1"}
                            ],
                        }
                    ],
                    "rejected_count": 1,
                    "atomic": False,
                    "dry_run": False,
                    "applied": True,
                    "created_by": "hr-sync",
                    "created_at": CREATED_AT,
                }
            ]
        }
    )

    import_id: uuid.UUID
    kind: str = Field(description="`resources` or `capacity`.")
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedRow] = Field(description=f"The first {MAX_REPORTED_REJECTIONS} rejected rows.")
    rejected_count: int
    atomic: bool
    dry_run: bool
    applied: bool = Field(
        description="Whether the changes were written (false for dry runs and refused atomic imports)."
    )
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, run: ImportRun) -> ImportReport:
        return cls(
            import_id=run.id,
            kind=run.kind,
            received=run.received,
            created=run.created,
            updated=run.updated,
            unchanged=run.unchanged,
            rejected=[RejectedRow.model_validate(r) for r in run.rejected],
            rejected_count=run.rejected_count,
            atomic=run.atomic,
            dry_run=run.dry_run,
            applied=run.applied,
            created_by=run.created_by,
            created_at=run.created_at,
        )


def request_body_doc(row_model: type[BaseModel], csv_example: str) -> dict[str, Any]:
    """`openapi_extra` for an import route, which reads its raw body itself."""
    json_schema = {
        "type": "object",
        "required": ["rows"],
        "additionalProperties": False,
        "properties": {
            "rows": {"type": "array", "maxItems": MAX_ROWS, "items": row_model.model_json_schema()}
        },
        # The row model's examples, as one body: what is documented is what the row model accepts.
        "examples": [{"rows": model_examples(row_model)}],
    }
    csv_schema = {
        "type": "string",
        "description": (
            "UTF-8 CSV with a header row naming the columns (any order; the row fields of the JSON "
            "form). Empty cells take the field's default; `skills` is `;`-separated."
        ),
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": json_schema},
                "text/csv": {"schema": csv_schema, "example": csv_example},
            },
        }
    }

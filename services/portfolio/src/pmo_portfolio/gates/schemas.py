from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pmo_common.examples import APPROVER, PROJECT_ID, UPDATED_AT
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pmo_portfolio.logic.lifecycle import Stage

Decision = Literal["approve", "reject", "hold", "cancel", "close"]

GATE_DECISION_ID = "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70"
# The investment board's approval of "CRM replacement" (which also took its baseline 1).
CREATE_EXAMPLE: dict[str, Any] = {
    "to_stage": "approved",
    "decision": "approve",
    "rationale": "Business case accepted by the investment board on 2026-12-02.",
}
READ_EXAMPLE: dict[str, Any] = {
    "id": GATE_DECISION_ID,
    "project_id": PROJECT_ID,
    "from_stage": "proposal",
    **CREATE_EXAMPLE,
    "decided_by": APPROVER,
    "decided_at": UPDATED_AT,
    "project_version": 3,
    "status": "applied",
}


class GateOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rationale: str = Field(
        min_length=1,
        max_length=5000,
        description="Why the project moves although gate criteria fail; written to the decision log.",
    )


class GateDecisionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                CREATE_EXAMPLE,
                {
                    "to_stage": "in_progress",
                    "decision": "approve",
                    "rationale": "Vendor contract signed; delivery starts.",
                    "override": {
                        "rationale": "The board accepted the open data migration risk on 2026-12-20."
                    },
                },
                {
                    "to_stage": "approved",
                    "decision": "approve",
                    "rationale": "Approved by the investment board (history loaded from the old PMO tool).",
                    "decided_at": "2026-06-15T09:30:00Z",
                },
                {
                    "to_stage": "on_hold",
                    "decision": "hold",
                    "rationale": "Waiting for the vendor's security audit.",
                },
            ]
        },
    )

    to_stage: Stage
    decision: Decision = Field(
        description="approve (to approved or in_progress, or to resume from on_hold), reject, hold, cancel, "
        "close."
    )
    rationale: str = Field(min_length=1, max_length=5000, description="Why the decision was taken.")
    decided_at: AwareDatetime | None = Field(
        default=None,
        description="When the decision was taken (ISO 8601 with a timezone; default: now), so that history "
        "loaded after the fact (a migration, back-filled gate decisions) is dated when it happened. Not in "
        "the future (a few seconds of clock skew are tolerated) and not earlier than the project's previous "
        "gate decision; otherwise a 422. Stored in the decision log and carried in the `stage_changed` "
        "event, whose consumers date the stage change by it.",
        examples=["2026-06-15T09:30:00Z"],
    )
    override: GateOverride | None = Field(
        default=None,
        description="An `approve` into a stage whose gate criteria fail is a 409 listing them; with an "
        "override (pmo or admin) it goes ahead and the override is recorded in the decision log.",
        examples=[{"rationale": "The board accepted the open data migration risk on 2026-12-20."}],
    )


class GateDecisionRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                READ_EXAMPLE,
                {
                    **READ_EXAMPLE,
                    "id": "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a81",
                    "decided_at": "2026-12-02T16:20:00Z",
                    "decided_by": "quinn",
                    "project_version": 2,
                    "status": "pending",
                },
            ]
        },
    )

    id: uuid.UUID
    project_id: uuid.UUID
    from_stage: str
    to_stage: str
    decision: str
    rationale: str
    decided_by: str = Field(description="The `sub` of the principal who decided.")
    decided_at: datetime
    project_version: int = Field(description="The project's version after the decision.")
    status: Literal["pending", "applied"] = Field(
        default="applied",
        description="`applied`: the project moved. `pending`: its stage needs more distinct approvers "
        "(the portfolio's gate policy) and the project stays where it is; `id` is then the approval's.",
    )

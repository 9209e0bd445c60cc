from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pmo_portfolio.logic.lifecycle import Stage

Decision = Literal["approve", "reject", "hold", "cancel", "close"]


class GateOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rationale: str = Field(
        min_length=1,
        max_length=5000,
        description="Why the project moves although gate criteria fail; written to the decision log.",
    )


class GateDecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
        examples=["2025-03-14T09:30:00Z"],
    )
    override: GateOverride | None = Field(
        default=None,
        description="An `approve` into a stage whose gate criteria fail is a 409 listing them; with an "
        "override (pmo or admin) it goes ahead and the override is recorded in the decision log.",
        examples=[{"rationale": "The board accepted the open vendor risk on 2025-03-12."}],
    )


class GateDecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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

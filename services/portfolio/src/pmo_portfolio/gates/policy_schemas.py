"""API shapes of gate criteria, the gate policy and the gate check (contract §7.5)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pmo_portfolio.logic.rules import MAX_RULE_LENGTH, FactValue

# The stages an `approve` decision moves a project into (the lifecycle's approve targets and the
# stages a held project resumes to): the only ones whose gate is checked and can need several approvers.
GatedStage = Literal["proposal", "approved", "in_progress"]
MAX_CRITERIA = 50
MAX_APPROVERS = 5

CRITERION_EXAMPLE: dict[str, Any] = {
    "to_stage": "approved",
    "key": "risks_handled",
    "description": "No escalated risk without a response, and no open risk above 15.",
    "rule": "risks.escalated_without_response == 0 and risks.max_open_score <= 15",
}
# The gate criteria of "Digital 2027": what a project must show before it is approved, and before
# its delivery starts.
CRITERIA_EXAMPLE: list[dict[str, Any]] = [
    CRITERION_EXAMPLE,
    {
        "to_stage": "approved",
        "key": "scored",
        "description": "Scored on every criterion of the portfolio.",
        "rule": "scores.complete == true",
    },
    {
        "to_stage": "in_progress",
        "key": "planned",
        "description": "A baseline, a vendor, and a status report of the last two weeks.",
        "rule": "baseline.exists == true and field.vendor != null and status_report.age_days <= 14",
    },
]


class GateCriterion(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CRITERION_EXAMPLE]})

    to_stage: GatedStage = Field(description="The stage an `approve` decision must meet this criterion for.")
    key: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Unique per `to_stage`.", examples=["risks_handled"]
    )
    description: str = Field(default="", max_length=1000)
    rule: str = Field(
        min_length=1,
        max_length=MAX_RULE_LENGTH,
        description="Comparisons of a fact with a number, a quoted text, true, false or null "
        "(`< <= > >= == !=`), joined with `and` / `or`, with parentheses; parsed, never run as code.",
        examples=["evm.cpi >= 0.9 and status_report.age_days <= 14"],
    )


# A bare list has no class to carry its examples: the list type carries them (a whole list, once).
GateCriteriaIn = Annotated[list[GateCriterion], Field(max_length=MAX_CRITERIA, examples=[CRITERIA_EXAMPLE])]
GateCriteriaRead = Annotated[list[GateCriterion], Field(examples=[CRITERIA_EXAMPLE])]


class GateCriteriaState(BaseModel):
    """What the audit trail records of a portfolio's gate criteria."""

    portfolio_id: uuid.UUID
    criteria: list[GateCriterion]
    version: int


ApprovalCount = Annotated[int, Field(ge=1, le=MAX_APPROVERS)]


class GatePolicyBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"approvals_required": {"approved": 2}}]}
    )

    approvals_required: dict[GatedStage, ApprovalCount] = Field(
        description="{stage: n}: an `approve` into the stage applies once n distinct approvers (1–5) have "
        'approved; before that it is answered `status: "pending"`. A stage not named needs one.'
    )


class GatePolicyState(GatePolicyBody):
    """What the audit trail records of a portfolio's gate policy."""

    portfolio_id: uuid.UUID
    version: int


class CriterionResult(BaseModel):
    key: str
    description: str
    rule: str
    passed: bool
    facts: dict[str, FactValue] = Field(description="The facts the rule reads, with the values it saw.")


class GateCheckRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "to_stage": "approved",
                    "passed": False,
                    "criteria": [
                        {
                            **{k: CRITERION_EXAMPLE[k] for k in ("key", "description", "rule")},
                            "passed": False,
                            "facts": {"risks.escalated_without_response": 1, "risks.max_open_score": 12},
                        }
                    ],
                }
            ]
        }
    )

    to_stage: str
    passed: bool = Field(description="Every criterion of `to_stage` passed (true when it has none).")
    criteria: list[CriterionResult]


class GateApprovalRead(BaseModel):
    """What the audit trail records of a pending approval."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    stage_entry: int
    from_stage: str
    to_stage: str
    decision: str
    rationale: str
    override_rationale: str | None
    decided_by: str
    decided_at: datetime
    project_version: int

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pmo_common.examples import CREATED_AT, PORTFOLIO_ID
from pydantic import BaseModel, ConfigDict, Field, model_validator

Direction = Literal["higher_is_better", "lower_is_better"]
Weight = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
Bound = Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]
MAX_AHP = 15

# The criteria of "Digital 2027", which every project's `scores` and every ranking name by id.
STRATEGIC_FIT_ID = "a1f0c3d2-6b5e-4f7a-9c8d-1e2f3a4b5c6d"
CUSTOMER_VALUE_ID = "b2e1d4c3-7c6f-4a8b-8d9e-2f3a4b5c6d7e"
DELIVERY_RISK_ID = "c3d2e5f4-8d7a-4b9c-9e0f-3a4b5c6d7e8f"
CREATE_EXAMPLE: dict[str, Any] = {
    "name": "Strategic fit",
    "weight": 0.5,
    "min_score": 0,
    "max_score": 10,
    "direction": "higher_is_better",
}
READ_EXAMPLE: dict[str, Any] = {
    "id": STRATEGIC_FIT_ID,
    "portfolio_id": PORTFOLIO_ID,
    **CREATE_EXAMPLE,
    "min_score": 0.0,
    "max_score": 10.0,
    "version": 1,
    "created_at": CREATED_AT,
    "updated_at": CREATED_AT,
}


class _Range(BaseModel):
    min_score: Bound | None = None
    max_score: Bound | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_score is not None and self.max_score is not None and self.min_score >= self.max_score:
            raise ValueError("min_score must be less than max_score")
        return self


class CriterionFields(_Range):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Unique within the portfolio.")
    weight: Weight = Field(
        default=1.0, description="Relative weight; normalised over the portfolio's criteria."
    )
    min_score: Bound = 0.0
    max_score: Bound = 10.0
    direction: Direction = "higher_is_better"


class CriterionCreate(CriterionFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                CREATE_EXAMPLE,
                {"name": "Delivery risk", "weight": 0.2, "direction": "lower_is_better"},
            ]
        }
    )


class CriterionUpdate(_Range):
    """Any subset; omit a field to keep it. New bounds must still hold every project's score."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"weight": 0.4}, {"min_score": 1, "max_score": 5}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    weight: Weight | None = None
    direction: Direction | None = None


class CriterionRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                READ_EXAMPLE,
                {
                    **READ_EXAMPLE,
                    "id": DELIVERY_RISK_ID,
                    "name": "Delivery risk",
                    "weight": 0.2,
                    "direction": "lower_is_better",
                },
            ]
        },
    )

    id: uuid.UUID
    portfolio_id: uuid.UUID
    name: str
    weight: float
    min_score: float
    max_score: float
    direction: Direction
    version: int
    created_at: datetime
    updated_at: datetime


# Saaty's scale runs from 1/9 to 9; 1/9 is accepted as written to three decimals (0.111).
Judgement = Annotated[
    float, Field(ge=0.111, le=9, allow_inf_nan=False, description="A Saaty judgement, 1/9 to 9.")
]


# Strategic fit is twice as important as customer value and five times as important as delivery
# risk; customer value twice as important as delivery risk. Exact reciprocals (0.5, 0.2): a decimal
# such as 0.333 for 1/3 is not the reciprocal of 3 and is a 422 naming `matrix`.
AHP_EXAMPLE: dict[str, Any] = {
    "criteria": [STRATEGIC_FIT_ID, CUSTOMER_VALUE_ID, DELIVERY_RISK_ID],
    "matrix": [[1, 2, 5], [0.5, 1, 2], [0.2, 0.5, 1]],
    "apply": False,
}


class AhpRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [AHP_EXAMPLE, {**AHP_EXAMPLE, "apply": True}]}
    )

    criteria: list[uuid.UUID] = Field(
        min_length=2, max_length=MAX_AHP, description="The criteria compared, in the matrix's row order."
    )
    matrix: list[Annotated[list[Judgement], Field(max_length=MAX_AHP)]] = Field(
        max_length=MAX_AHP,
        description="Saaty 1–9 pairwise comparisons: matrix[i][j] = how much more important i is than j; "
        "matrix[j][i] = 1/matrix[i][j]; diagonal 1.",
    )
    apply: bool = Field(default=False, description="Store the weights (only when consistency_ratio <= 0.10).")


class AhpResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "weights": {
                        STRATEGIC_FIT_ID: 0.5954,
                        CUSTOMER_VALUE_ID: 0.2763,
                        DELIVERY_RISK_ID: 0.1283,
                    },
                    "lambda_max": 3.0055,
                    "consistency_index": 0.0028,
                    "consistency_ratio": 0.0048,
                    "consistent": True,
                    "applied": False,
                }
            ]
        }
    )

    weights: dict[str, float] = Field(description="{criterion_id: weight}; the weights sum to 1.")
    lambda_max: float
    consistency_index: float
    consistency_ratio: float | None = Field(description="null for 2 criteria (always consistent).")
    consistent: bool = Field(description="consistency_ratio <= 0.10")
    applied: bool = Field(description="Whether the weights were stored on the criteria.")

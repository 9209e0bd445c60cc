from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Direction = Literal["higher_is_better", "lower_is_better"]
Weight = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
Bound = Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]
MAX_AHP = 15


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
    pass


class CriterionUpdate(_Range):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    weight: Weight | None = None
    direction: Direction | None = None


class CriterionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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


class AhpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    weights: dict[str, float] = Field(description="{criterion_id: weight}; the weights sum to 1.")
    lambda_max: float
    consistency_index: float
    consistency_ratio: float | None = Field(description="null for 2 criteria (always consistent).")
    consistent: bool = Field(description="consistency_ratio <= 0.10")
    applied: bool = Field(description="Whether the weights were stored on the criteria.")

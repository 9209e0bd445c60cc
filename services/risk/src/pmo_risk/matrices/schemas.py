from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pmo_common.examples import PORTFOLIO_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmo_risk.logic.scoring import MAX_SCORE

# A stricter matrix than the defaults: more levels, escalation from a score of 12.
MATRIX_WRITE_EXAMPLE: dict[str, Any] = {
    "probability_percent": [5, 20, 40, 60, 85],
    "levels": [
        {"name": "low", "min_score": 1},
        {"name": "medium", "min_score": 4},
        {"name": "high", "min_score": 9},
        {"name": "critical", "min_score": 16},
    ],
    "escalation_score": 12,
}


class MatrixLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50, pattern=r"^\S(.*\S)?$", examples=["high"])
    min_score: int = Field(ge=1, le=MAX_SCORE, description="The lowest score (1–25) of this level.")


class MatrixWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [MATRIX_WRITE_EXAMPLE]})

    probability_percent: list[float] = Field(
        min_length=5,
        max_length=5,
        description="The probability, in percent, of probability levels 1–5: strictly increasing, "
        "0 < p < 100, at most two decimals.",
        examples=[[10, 30, 50, 70, 90]],
    )
    levels: list[MatrixLevel] = Field(
        min_length=1,
        max_length=10,
        description="Named levels by minimum score: distinct names, strictly increasing `min_score`, "
        "the first at 1.",
    )
    escalation_score: int = Field(
        ge=1, le=MAX_SCORE, description="A risk whose current score reaches this is escalated."
    )

    @field_validator("probability_percent")
    @classmethod
    def _percentages(cls, values: list[float]) -> list[float]:
        for value in values:
            if not 0 < value < 100:
                raise ValueError("each percentage is above 0 and below 100")
            if Decimal(str(value)).as_tuple().exponent < -2:  # type: ignore[operator]
                raise ValueError("percentages have at most two decimals")
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise ValueError("percentages must be strictly increasing from level 1 to level 5")
        return values

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: list[MatrixLevel]) -> list[MatrixLevel]:
        if levels[0].min_score != 1:
            raise ValueError("the first level starts at min_score 1 so that every score has a level")
        if any(b.min_score <= a.min_score for a, b in itertools.pairwise(levels)):
            raise ValueError("min_score must be strictly increasing")
        names = [level.name for level in levels]
        if len(set(names)) != len(names):
            raise ValueError("level names must be distinct")
        return levels


class MatrixRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "portfolio_id": PORTFOLIO_ID,
                    **MATRIX_WRITE_EXAMPLE,
                    "version": 1,
                    "is_default": False,
                    "updated_at": UPDATED_AT,
                }
            ]
        }
    )

    portfolio_id: uuid.UUID
    probability_percent: list[float]
    levels: list[MatrixLevel]
    escalation_score: int
    version: int = Field(description="0 while the portfolio uses the defaults (nothing stored yet).")
    is_default: bool = Field(description="True while no matrix has been stored for the portfolio.")
    updated_at: datetime | None = None

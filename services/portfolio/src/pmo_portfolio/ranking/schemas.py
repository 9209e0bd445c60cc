from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class RankingItem(BaseModel):
    project_id: uuid.UUID
    code: str
    rank: int = Field(description="1 = highest priority; ties share no rank (broken by code).")
    score: float | None = Field(
        description="weighted: 0–100; wsjf: cost of delay / job size; "
        "null when ranking by wsjf a project without wsjf data."
    )
    breakdown: dict[str, float] = Field(
        description="weighted: {criterion_id: contribution} summing to score; "
        "wsjf: the inputs {business_value, time_criticality, risk_reduction, job_size}."
    )


class Ranking(BaseModel):
    """The whole ranking in one page (`next_cursor` is always null)."""

    items: list[RankingItem]
    next_cursor: str | None = None

from __future__ import annotations

import uuid
from typing import Any

from pmo_common.examples import PROJECT_ID
from pydantic import BaseModel, ConfigDict, Field

from pmo_portfolio.criteria.schemas import CUSTOMER_VALUE_ID, DELIVERY_RISK_ID, STRATEGIC_FIT_ID
from pmo_portfolio.projects.schemas import PORTAL_PROJECT_ID, WAREHOUSE_PROJECT_ID

# "Digital 2027" by weighted score, with the criteria weighing 0.5, 0.3 and 0.2: "CRM replacement"
# scores 8, 9 and 4 (of 10; delivery risk lower is better), so 40 + 27 + 12.
WEIGHTED_EXAMPLE: list[Any] = [
    {
        "project_id": PROJECT_ID,
        "code": "CRM-2027",
        "rank": 1,
        "score": 79.0,
        "breakdown": {STRATEGIC_FIT_ID: 40.0, CUSTOMER_VALUE_ID: 27.0, DELIVERY_RISK_ID: 12.0},
    },
    {
        "project_id": PORTAL_PROJECT_ID,
        "code": "PORTAL-2027",
        "rank": 2,
        "score": 73.0,
        "breakdown": {STRATEGIC_FIT_ID: 35.0, CUSTOMER_VALUE_ID: 24.0, DELIVERY_RISK_ID: 14.0},
    },
    {
        "project_id": WAREHOUSE_PROJECT_ID,
        "code": "DWH-2027",
        "rank": 3,
        "score": 53.0,
        "breakdown": {STRATEGIC_FIT_ID: 30.0, CUSTOMER_VALUE_ID: 15.0, DELIVERY_RISK_ID: 8.0},
    },
]
# The same portfolio by WSJF: (8 + 8 + 5) / 5 for "CRM replacement"; the warehouse has no WSJF inputs.
WSJF_EXAMPLE: list[Any] = [
    {
        "project_id": PROJECT_ID,
        "code": "CRM-2027",
        "rank": 1,
        "score": 4.2,
        "breakdown": {"business_value": 8.0, "time_criticality": 8.0, "risk_reduction": 5.0, "job_size": 5.0},
    },
    {
        "project_id": PORTAL_PROJECT_ID,
        "code": "PORTAL-2027",
        "rank": 2,
        "score": 2.5,
        "breakdown": {"business_value": 8.0, "time_criticality": 5.0, "risk_reduction": 2.0, "job_size": 6.0},
    },
    {"project_id": WAREHOUSE_PROJECT_ID, "code": "DWH-2027", "rank": 3, "score": None, "breakdown": {}},
]


class RankingItem(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": WEIGHTED_EXAMPLE[:1]})

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": WEIGHTED_EXAMPLE, "next_cursor": None},
                {"items": WSJF_EXAMPLE, "next_cursor": None},
            ]
        }
    )

    items: list[RankingItem]
    next_cursor: str | None = None

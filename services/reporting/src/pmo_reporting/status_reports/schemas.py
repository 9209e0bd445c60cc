from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pmo_common.contracts.types import RAG, NonNegativeMoney
from pmo_common.examples import MANAGER, PORTFOLIO_ID, PROJECT_ID
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmo_reporting.logic.periods import today

ActionStatus = Literal["open", "in_progress", "done", "cancelled"]

REPORT_ID = "2d4f6a8c-1e3b-4d5f-9a7c-0e2b4d6f8a1c"
ACTION_EXAMPLE: dict[str, Any] = {
    "title": "Clean the customer records without a country code",
    "owner": MANAGER,
    "due_date": "2026-12-15",
    "status": "in_progress",
}
# The November report of "CRM replacement" (BAC 1,200,000.00 EUR, planned 2026-03-01 – 2027-02-28):
# 68 % complete is EV 816,000.00 against a PV of 903,296.70, so SPI 0.9034 (amber under the default
# targets) and CPI 0.96 — the figures `GET /projects/{project_id}/evm?as_of=2026-11-30` answers.
STATUS_REPORT_CREATE_EXAMPLE: dict[str, Any] = {
    "as_of": "2026-11-30",
    "overall": "amber",
    "scope": "green",
    "schedule": "amber",
    "cost": "green",
    "risk": "amber",
    "resources": "green",
    "percent_complete": 68.0,
    "actual_cost": "850000.00",
    "forecast_cost": "1290000.00",
    "forecast_finish_date": "2027-03-31",
    "summary": "The migration rehearsal found 4 % of the customer records without a country code; "
    "go-live moves to March.",
    "decisions": ["Go-live moves from February to March 2027."],
    "actions": [ACTION_EXAMPLE],
}
STATUS_REPORT_READ_EXAMPLE: dict[str, Any] = {
    **STATUS_REPORT_CREATE_EXAMPLE,
    "planned_value": None,
    "earned_value": None,
    "id": REPORT_ID,
    "project_id": PROJECT_ID,
    "portfolio_id": PORTFOLIO_ID,
    "suggested_rag": "amber",
    "submitted_by": MANAGER,
    "submitted_at": "2026-11-30T16:45:00Z",
    "version": 1,
}


class Action(BaseModel):
    model_config = ConfigDict(
        extra="forbid", from_attributes=True, json_schema_extra={"examples": [ACTION_EXAMPLE]}
    )

    title: str = Field(min_length=1, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    due_date: date | None = None
    status: ActionStatus = "open"


class _StatusReportFields(BaseModel):
    as_of: date = Field(description="The date the report describes; not in the future (UTC).")
    overall: RAG
    scope: RAG
    schedule: RAG
    cost: RAG
    risk: RAG
    resources: RAG
    percent_complete: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Omitted or null: not tracked (a programme that tracks only forecasts); EV is then "
        "unknown unless `earned_value` is given, and so are the EVM figures that need it.",
    )
    actual_cost: NonNegativeMoney | None = Field(
        default=None,
        description="Omitted or null: not tracked; AC and the EVM figures that need it (CV, CPI, the "
        "computed EAC, ETC, TCPI) are then null.",
    )
    planned_value: NonNegativeMoney | None = Field(
        default=None,
        description="Without it PV is the time-phased cost of the baseline in force (its cost profile, "
        "else its budget spread linearly over its dates).",
    )
    earned_value: NonNegativeMoney | None = Field(
        default=None,
        description="Without it EV = percent_complete × BAC / 100, BAC being the budget of the baseline "
        "in force on the report's date.",
    )
    forecast_cost: NonNegativeMoney | None = Field(default=None, description="Reported EAC.")
    forecast_finish_date: date | None = None
    summary: str = Field(default="", max_length=10_000)
    decisions: list[str] = Field(default_factory=list, max_length=100)
    actions: list[Action] = Field(default_factory=list, max_length=100)


class StatusReportCreate(_StatusReportFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                STATUS_REPORT_CREATE_EXAMPLE,
                # A programme that tracks only forecasts: no percent complete, no actual cost.
                {
                    "as_of": "2026-10-31",
                    "overall": "green",
                    "scope": "green",
                    "schedule": "green",
                    "cost": "green",
                    "risk": "green",
                    "resources": "green",
                    "forecast_cost": "1200000.00",
                    "forecast_finish_date": "2027-02-28",
                    "summary": "Vendor workshops done; forecast unchanged.",
                },
            ]
        },
    )

    @field_validator("as_of")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > today():
            raise ValueError("a status report cannot be as of a future date")
        if value.year < 1900:
            raise ValueError("as_of is before 1900")
        return value

    @field_validator("decisions")
    @classmethod
    def _decisions_bounded(cls, value: list[str]) -> list[str]:
        for text in value:
            if not text.strip() or len(text) > 2000:
                raise ValueError("each decision is 1–2000 characters")
        return value


class StatusReportRead(_StatusReportFields):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [STATUS_REPORT_READ_EXAMPLE]}
    )

    id: uuid.UUID
    project_id: uuid.UUID
    portfolio_id: uuid.UUID
    suggested_rag: RAG | None = Field(
        description="As submitted: the worst colour of SPI, CPI (and, for a project in progress, the "
        "report's age, 0 on its own date) as of the report's date under the portfolio's KPI targets "
        "then in force; null when none is known. Later target changes do not rewrite it."
    )
    submitted_by: str
    submitted_at: datetime
    version: int


class ProjectHealthRead(BaseModel):
    """A project's health: what its audit entries record."""

    model_config = ConfigDict(from_attributes=True)

    project_id: uuid.UUID
    overall: RAG | None
    suggested_rag: RAG | None
    version: int

"""The reporting service's events (contract §4 and §7)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from pmo_common.contracts.events.base import Event, EventData
from pmo_common.contracts.types import NonNegativeMoney


class ReportAction(BaseModel):
    """An action a status report names (the portfolio's action register lists it)."""

    title: str
    owner: str | None = None
    due_date: date | None = None
    status: str = "open"


class StatusReportData(EventData):
    """`id` is the status report id."""

    project_id: uuid.UUID
    portfolio_id: uuid.UUID | None = None
    as_of: date
    overall: str
    scope: str
    schedule: str
    cost: str
    risk: str
    resources: str
    percent_complete: float | None = Field(default=None, description="null: the report gave none.")
    actual_cost: NonNegativeMoney | None = Field(default=None, description="null: the report gave none.")
    planned_value: NonNegativeMoney | None = None
    earned_value: NonNegativeMoney | None = None
    forecast_cost: NonNegativeMoney | None = None
    forecast_finish_date: date | None = None
    suggested_rag: str | None = None
    spi: float | None = None
    cpi: float | None = None
    actions: list[ReportAction] = Field(default_factory=list)
    submitted_by: str


class ProjectHealthData(EventData):
    """`id` is the project id; `version` counts the project's health changes."""

    portfolio_id: uuid.UUID | None = None
    as_of: date
    overall: str
    previous_overall: str | None = None
    suggested_rag: str | None = None
    previous_suggested_rag: str | None = None
    spi: float | None = None
    cpi: float | None = None


class StatusReportSubmitted(Event[StatusReportData]):
    """A project status report was submitted."""

    subject = "pmo.reporting.status_report.submitted"


class ProjectHealthChanged(Event[ProjectHealthData]):
    """A project's overall RAG or suggested RAG changed."""

    subject = "pmo.reporting.project.health_changed"

"""Status reports and project health: owned by this service (never reset by a rebuild)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pmo_common.db import JSONText, MoneyType, UTCDateTime, utcnow
from sqlalchemy import Date, Float, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, synonym

from pmo_reporting.db import Base

END_OF_TIME = date(9999, 12, 31)
"""`superseded_on` of a project's latest report: later than any as-of date."""


class StatusReport(Base):
    __tablename__ = "status_reports"
    __table_args__ = (
        Index("ix_status_reports_project_as_of", "project_id", "as_of", "submitted_at"),
        Index("ix_status_reports_portfolio_project_as_of", "portfolio_id", "project_id", "as_of"),
        # "The report in effect on a date" is one index range per project: superseded_on > date >= as_of.
        Index("ix_status_reports_project_superseded", "project_id", "superseded_on", "as_of"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    as_of: Mapped[date] = mapped_column(Date)
    overall: Mapped[str] = mapped_column(String(5))
    scope: Mapped[str] = mapped_column(String(5))
    schedule: Mapped[str] = mapped_column(String(5))
    cost: Mapped[str] = mapped_column(String(5))
    risk: Mapped[str] = mapped_column(String(5))
    resources: Mapped[str] = mapped_column(String(5))
    percent_complete: Mapped[float | None] = mapped_column(Float)
    actual_cost: Mapped[Decimal | None] = mapped_column(MoneyType)
    planned_value: Mapped[Decimal | None] = mapped_column(MoneyType)
    earned_value: Mapped[Decimal | None] = mapped_column(MoneyType)
    forecast_cost: Mapped[Decimal | None] = mapped_column(MoneyType)
    forecast_finish_date: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[list[str]] = mapped_column(JSONText, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list)
    suggested_rag: Mapped[str | None] = mapped_column(String(5))
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A submitted report never changes (a correction is a new report), so it stays at version 1;
    # the derived columns below are maintained by set-based statements and are no change of it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Derived, maintained on every submission (see `repository.place_in_timeline`): the first date on
    # which this report is no longer the project's latest (the next report's `as_of`; its own `as_of`
    # when a later submission for the same date replaced it; END_OF_TIME while it is the latest).
    superseded_on: Mapped[date] = mapped_column(Date, default=END_OF_TIME)
    # Derived: the earned value figures use (the reported one, else percent_complete × the BAC in
    # force on the report's date; NULL when the report gives neither); refreshed when the plans change.
    ev_effective: Mapped[Decimal | None] = mapped_column(MoneyType)


class ProjectHealth(Base):
    """Per project: the RAGs of its latest report (by as_of, then submission), as last announced in
    a `project.health_changed` event; `version` counts those changes (a flush that changes a RAG
    bumps it), so it is the aggregate `pmo_common.changes` versions and audits."""

    __tablename__ = "project_health"

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    overall: Mapped[str | None] = mapped_column(String(5))
    suggested_rag: Mapped[str | None] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The health of a project is identified by the project: its events and audit entries carry it.
    id: Mapped[uuid.UUID] = synonym("project_id")

    __mapper_args__ = {"version_id_col": version}

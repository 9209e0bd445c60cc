"""What gate criteria know of other services (contract §7.5): the risk and reporting services' events,
kept as read models keyed by the upstream aggregate's id ("newest version wins": a redelivered or
overtaken event changes nothing)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pmo_common.db import UTCDateTime
from sqlalchemy import Boolean, Date, Float, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class RiskFact(Base):
    """A risk as its latest event describes it."""

    __tablename__ = "gate_fact_risks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # The current score: the residual one once assessed, else the inherent one (what escalates).
    score: Mapped[int]
    escalated: Mapped[bool] = mapped_column(Boolean)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int]


class ResponseFact(Base):
    """A risk response as its latest event describes it."""

    __tablename__ = "gate_fact_responses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    risk_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(20))
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int]


class StatusReportFact(Base):
    """A submitted status report; a project's latest is the one with the latest `as_of`."""

    __tablename__ = "gate_fact_status_reports"
    __table_args__ = (Index("ix_gate_fact_status_reports_project_as_of", "project_id", "as_of"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    as_of: Mapped[date] = mapped_column(Date)
    overall: Mapped[str] = mapped_column(String(20))
    spi: Mapped[float | None] = mapped_column(Float)
    cpi: Mapped[float | None] = mapped_column(Float)
    # When the reporting service published it: orders two reports of the same `as_of`.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int]

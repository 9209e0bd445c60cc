from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pmo_common.db import MoneyType, UTCDateTime, utcnow
from sqlalchemy import Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmo_risk.db import Base


class Risk(Base):
    """A threat or an opportunity. `score`, `level`, `emv` and `escalated` are derived (from the
    probability, impact, cost impact, residual and the portfolio's matrix) and stored so that lists
    filter and sort on them."""

    __tablename__ = "risks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    effect: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    probability: Mapped[int]
    impact: Mapped[int]
    cost_min: Mapped[Decimal | None] = mapped_column(MoneyType)
    cost_most_likely: Mapped[Decimal | None] = mapped_column(MoneyType)
    cost_max: Mapped[Decimal | None] = mapped_column(MoneyType)
    proximity_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    residual_probability: Mapped[int | None]
    residual_impact: Mapped[int | None]
    residual_score: Mapped[int | None]
    score: Mapped[int]
    level: Mapped[str] = mapped_column(String(50))
    emv: Mapped[Decimal] = mapped_column(MoneyType)
    escalated: Mapped[bool] = mapped_column(default=False)
    issue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_risks_portfolio_id_status", "portfolio_id", "status"),)

    @property
    def cost_impact(self) -> dict[str, Decimal] | None:
        if self.cost_min is None or self.cost_most_likely is None or self.cost_max is None:
            return None
        return {"min": self.cost_min, "most_likely": self.cost_most_likely, "max": self.cost_max}

    @property
    def cost_triple(self) -> tuple[Decimal, Decimal, Decimal] | None:
        cost = self.cost_impact
        return None if cost is None else (cost["min"], cost["most_likely"], cost["max"])

    @property
    def residual(self) -> dict[str, Any] | None:
        if self.residual_probability is None or self.residual_impact is None:
            return None
        return {
            "probability": self.residual_probability,
            "impact": self.residual_impact,
            "score": self.residual_score,
        }


class Assessment(Base):
    """One scoring of a risk, kept as history; never changed once recorded."""

    __tablename__ = "risk_assessments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    risk_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    basis: Mapped[str] = mapped_column(String(10))
    probability: Mapped[int]
    impact: Mapped[int]
    score: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    assessed_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskResponse(Base):
    """A planned response to a risk (avoid, reduce, exploit, ...)."""

    __tablename__ = "risk_responses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    risk_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    strategy: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The risk gives a response's events their scope (portfolio, project). Every change to a response
    # loads its risk first, so this reads the session's identity map; a read that would need SQL
    # raises rather than block the event loop.
    risk: Mapped[Risk] = relationship(lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}

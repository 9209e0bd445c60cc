from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pmo_common.db import JSONText, MoneyType, UTCDateTime, utcnow
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class Baseline(Base):
    """A project's approved plan: budget (BAC), dates and time-phased cost, numbered 1, 2, … per
    project. Never changed once written; a re-plan is a new baseline."""

    __tablename__ = "baselines"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # Carried in `baseline.approved` so that consumers need no project lookup.
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[int]
    budget: Mapped[Decimal] = mapped_column(MoneyType)
    start_date: Mapped[date | None] = mapped_column(Date)
    finish_date: Mapped[date | None] = mapped_column(Date)
    # [{period, amount}] in month order, amounts as decimal strings.
    cost_profile: Mapped[list[dict[str, str]]] = mapped_column(JSONText, default=list)
    rationale: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str] = mapped_column(String(200))
    # When it comes into force: for baseline 1 the approving gate decision's `decided_at`.
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def terms(self) -> dict[str, Any]:
        """What the baseline fixes, as project events carry it (`BaselineTerms`)."""
        return {
            "number": self.number,
            "budget": self.budget,
            "start_date": self.start_date,
            "finish_date": self.finish_date,
            "cost_profile": list(self.cost_profile),
            "approved_at": self.approved_at,
        }

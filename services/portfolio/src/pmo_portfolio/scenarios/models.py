from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pmo_common.db import JSONText, MoneyType, UTCDateTime, utcnow
from sqlalchemy import Boolean, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class Scenario(Base):
    __tablename__ = "scenarios"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # Null when the scenario has period budgets only.
    budget: Mapped[Decimal | None] = mapped_column(MoneyType)
    # [{from, to, amount, name}] and [{project_ids, rule, name}], as the request gave them.
    period_budgets: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list, server_default="[]")
    groups: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list, server_default="[]")
    # "YYYY-MM"; null for scenarios solved before it existed (they counted in_progress projects in full).
    start_period: Mapped[str | None] = mapped_column(String(7))
    respect_capacity: Mapped[bool] = mapped_column(Boolean, default=False)
    force_in: Mapped[list[str]] = mapped_column(JSONText, default=list)
    force_out: Mapped[list[str]] = mapped_column(JSONText, default=list)
    weights: Mapped[dict[str, float] | None] = mapped_column(JSONText)
    result: Mapped[dict[str, Any]] = mapped_column(JSONText)
    # A digest of the portfolio's projects and criteria (ids and versions) when it was solved.
    basis: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    created_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_projects: Mapped[list[str]] = mapped_column(JSONText, default=list)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

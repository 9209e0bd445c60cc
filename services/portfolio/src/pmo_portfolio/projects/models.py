from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pmo_common.db import JSONText, MoneyType, UTCDateTime, utcnow
from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("portfolio_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # RESTRICT: a portfolio with projects cannot be deleted (the service answers 409 first).
    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("portfolios.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    sponsor: Mapped[str | None] = mapped_column(String(200))
    manager: Mapped[str | None] = mapped_column(String(200), index=True)
    budget: Mapped[Decimal] = mapped_column(MoneyType)
    start_date: Mapped[date | None] = mapped_column(Date)
    finish_date: Mapped[date | None] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(20), index=True, default="proposal")
    # The stage a project left when it was put on hold, so a resume returns it there.
    held_from: Mapped[str | None] = mapped_column(String(20))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    depends_on: Mapped[list[str]] = mapped_column(JSONText, default=list)
    excludes: Mapped[list[str]] = mapped_column(JSONText, default=list)
    value: Mapped[Decimal | None] = mapped_column(MoneyType)
    wsjf: Mapped[dict[str, float] | None] = mapped_column(JSONText)
    # {criterion_id: score}; replaced as a whole (never mutated in place) so the change is seen.
    scores: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

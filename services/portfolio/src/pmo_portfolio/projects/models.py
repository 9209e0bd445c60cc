from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pmo_common.db import JSONText, MoneyType, UTCDateTime, utcnow
from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint, Uuid, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NO_VALUE

from pmo_portfolio.db import Base

if TYPE_CHECKING:
    from pmo_portfolio.baselines.models import Baseline


class Project(Base):
    __tablename__ = "projects"
    # A project imported from Microsoft Project is found again by its file's GUID (one per portfolio).
    __table_args__ = (
        UniqueConstraint("portfolio_id", "code"),
        UniqueConstraint("portfolio_id", "msproject_guid"),
    )

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
    # The forecast's time-phased cost: [{period, amount}] in month order (empty: linear by day).
    cost_profile: Mapped[list[dict[str, str]]] = mapped_column(JSONText, default=list, server_default="[]")
    # SET NULL is never relied on: deleting a programme detaches its projects in the service (with events).
    programme_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("programmes.id", ondelete="SET NULL"), index=True
    )
    # Custom field values {key: value}, checked against the portfolio's definitions on every write.
    fields: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict, server_default="{}")
    tags: Mapped[list[str]] = mapped_column(JSONText, default=list, server_default="[]")
    # The project GUID of the Microsoft Project file it was imported from (`imports/`), else null.
    msproject_guid: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Loaded with the project (one query per batch of projects) so that every read and every event
    # can name the baseline in force without a further round trip; baselines are only ever added.
    baselines: Mapped[list[Baseline]] = relationship(
        lazy="selectin", order_by="Baseline.number", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def baseline(self) -> dict[str, Any] | None:
        """The terms of the baseline in force now (the latest approved), or None before approval."""
        # Never a lazy load (impossible inside async code): a project that was only just added has none.
        loaded: Any = inspect(self).attrs.baselines.loaded_value
        if loaded is NO_VALUE or not loaded:
            return None
        baselines: list[Baseline] = loaded
        return max(baselines, key=lambda b: (b.approved_at, b.number)).terms()

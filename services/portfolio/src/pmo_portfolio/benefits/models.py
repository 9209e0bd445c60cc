"""The benefits register (contract §7.7): a benefit of a portfolio — optionally of one of its
programmes or projects — and its measurements over time, one per date."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pmo_common.db import UTCDateTime, utcnow
from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint, Uuid, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NO_VALUE

from pmo_portfolio.db import Base
from pmo_portfolio.logic.benefits import latest_measurement, realised_percent


class BenefitMeasurement(Base):
    __tablename__ = "benefit_measurements"
    # One measurement per benefit and date: a second one for the same date supersedes it.
    __table_args__ = (UniqueConstraint("benefit_id", "as_of"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    benefit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("benefits.id", ondelete="CASCADE"))
    as_of: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    def served(self) -> dict[str, Any]:
        """What a benefit serves of it as `latest` (and its events as `measurement`)."""
        return {"as_of": self.as_of, "value": self.value, "note": self.note}


class Benefit(Base):
    __tablename__ = "benefits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # RESTRICT: a portfolio with benefits cannot be deleted (the service answers 409 first).
    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("portfolios.id", ondelete="RESTRICT"), index=True
    )
    # No foreign keys to programmes or projects: a benefit outlives the project that was meant to
    # deliver it (withdrawn, deleted) — the board still tracks whether it is realised. Writes check
    # that the programme or project exists in the same portfolio; a deleted one's id stays.
    programme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(50), default="")
    baseline_value: Mapped[float] = mapped_column(Float)
    target_value: Mapped[float] = mapped_column(Float)
    target_date: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Loaded with the benefit (one query per batch) so that every read and event can serve `latest`
    # as of today; the number per benefit is bounded (service.MAX_MEASUREMENTS).
    measurements: Mapped[list[BenefitMeasurement]] = relationship(
        lazy="selectin", order_by=BenefitMeasurement.as_of, cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    def _loaded_measurements(self) -> list[BenefitMeasurement]:
        # Never a lazy load (impossible inside async code): a benefit only just added has none.
        loaded: Any = inspect(self).attrs.measurements.loaded_value
        return [] if loaded is NO_VALUE else list(loaded)

    @property
    def latest(self) -> dict[str, Any] | None:
        """The newest measurement on or before today (UTC), as served."""
        found = latest_measurement(self._loaded_measurements(), utcnow().date())
        return None if found is None else found.served()

    @property
    def realised_percent(self) -> float | None:
        latest = self.latest
        return realised_percent(
            self.baseline_value, self.target_value, None if latest is None else latest["value"]
        )

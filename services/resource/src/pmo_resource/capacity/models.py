from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pmo_common.db import UTCDateTime, utcnow
from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_resource.db import Base, ScaledDecimal


class MonthlyCapacity(Base):
    """A person's available hours in one month, as imported; replaces their default for it."""

    __tablename__ = "monthly_capacity"

    resource_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True, index=True)
    available_hours: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class EventCounter(Base):
    """The version (and a digest of the last published state) of the aggregates this service
    derives rather than stores: `capacity` (one row), `demand` per project, `overallocation`
    per person."""

    __tablename__ = "event_counters"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    digest: Mapped[str | None] = mapped_column(String(64))


class KnownOverallocation(Base):
    """(person, month) pairs already announced as over-allocated; a pair is forgotten when it
    is no longer over, so that a later relapse is announced again."""

    __tablename__ = "known_overallocations"

    resource_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pmo_common.db import UTCDateTime, utcnow
from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_resource.db import Base, ScaledDecimal


class Allocation(Base):
    """Hours per month of a person (or of a role, when `resource_id` is null: demand not yet
    staffed) on a project from `start_period` to `end_period`, both included."""

    __tablename__ = "allocations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    resource_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("resources.id"), index=True)
    role: Mapped[str] = mapped_column(String(100), index=True)
    start_period: Mapped[str] = mapped_column(String(7))
    end_period: Mapped[str] = mapped_column(String(7))
    hours_per_period: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    kind: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

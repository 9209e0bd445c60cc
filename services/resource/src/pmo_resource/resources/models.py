from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pmo_common.db import JSONText, MoneyType, UTCDateTime, utcnow
from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_resource.db import Base, ScaledDecimal


class Resource(Base):
    """A person, keyed for HR/ERP systems by `external_id`."""

    __tablename__ = "resources"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(100), index=True)
    skills: Mapped[list[str]] = mapped_column(JSONText, default=list)
    org_unit: Mapped[str | None] = mapped_column(String(100), index=True)
    fte: Mapped[Decimal] = mapped_column(ScaledDecimal(3))
    hours_per_week: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    cost_rate: Mapped[Decimal | None] = mapped_column(MoneyType)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pmo_common.db import JSONText, MoneyType, UTCDateTime, utcnow
from sqlalchemy import Date, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class Portfolio(Base):
    __tablename__ = "portfolios"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    budget: Mapped[Decimal] = mapped_column(MoneyType)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # The custom project field definitions [{key, label, type, choices, required}] (contract §7.2).
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list, server_default="[]")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Optimistic concurrency: an UPDATE carries `WHERE version = <loaded>`, so two writers that
    # both passed If-Match cannot both win (StaleDataError → 412).
    __mapper_args__ = {"version_id_col": version}

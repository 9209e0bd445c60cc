"""A portfolio's KPI targets (contract §7.8): reporting's own configuration, not a read model, so a
rebuild of the read models leaves it alone. A portfolio without a row uses the defaults."""

from __future__ import annotations

import uuid
from datetime import datetime

from pmo_common.db import UTCDateTime, utcnow
from sqlalchemy import Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_reporting.db import Base


class KpiTargets(Base):
    __tablename__ = "kpi_targets"

    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Ratios in basis points (0.95 is 9500): exact, and targets are compared at 4 decimals anyway.
    spi_green_bp: Mapped[int] = mapped_column(Integer)
    spi_amber_bp: Mapped[int] = mapped_column(Integer)
    cpi_green_bp: Mapped[int] = mapped_column(Integer)
    cpi_amber_bp: Mapped[int] = mapped_column(Integer)
    report_age_green_days: Mapped[int] = mapped_column(Integer)
    report_age_amber_days: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def id(self) -> uuid.UUID:
        """The targets are the portfolio's: the audit trail records them under the portfolio's id."""
        return self.portfolio_id

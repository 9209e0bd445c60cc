from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pmo_common.db import JSONText, UTCDateTime, utcnow
from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_risk.db import Base


class RiskMatrix(Base):
    """A portfolio's matrix; a portfolio without a row uses the defaults (served as version 0)."""

    __tablename__ = "risk_matrices"

    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Five percentages as decimal strings, e.g. ["10", "30", "50", "70", "90"].
    probability_percent: Mapped[list[str]] = mapped_column(JSONText)
    # [{"name": "low", "min_score": 1}, ...], ascending by min_score.
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)
    escalation_score: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def id(self) -> uuid.UUID:
        """A matrix is the portfolio's: the audit trail records it under the portfolio's id."""
        return self.portfolio_id

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pmo_common.db import UTCDateTime, utcnow
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class Decision(Base):
    """One entry of a portfolio's decision log (contract §7.6): append-only, hash-chained.

    `entry` is the entry exactly as served, as canonical JSON text: what its `hash` covers, and what
    every read returns. The other columns repeat some of its fields so that lists can filter and
    order in SQL; `verify` checks that they still agree with it."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "sequence"),
        Index("ix_decisions_decided_at", "decided_at", "sequence", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # A deleted portfolio takes its log with it; a deleted project does not (no foreign key): the log
    # outlives what it is about.
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("portfolios.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sequence: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    entry: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def served(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.entry)
        return value

"""Read models of the portfolio service's projects and portfolios, built from its events
("newest version wins"); the risk service never calls the portfolio service."""

from __future__ import annotations

import uuid

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_risk.db import Base


class KnownPortfolio(Base):
    __tablename__ = "known_portfolios"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    deleted: Mapped[bool] = mapped_column(default=False)
    # The portfolio service's aggregate version (set by the consumer, never by this service).
    version: Mapped[int]


class KnownProject(Base):
    __tablename__ = "known_projects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    manager: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(30))
    deleted: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int]

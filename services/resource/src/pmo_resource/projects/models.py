from __future__ import annotations

import uuid

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_resource.db import Base


class ProjectRef(Base):
    """The projects this service knows, learned from `pmo.portfolio.project.*` events (a read
    model: `version` is the portfolio's, applied newest-wins; deleted projects are kept as
    tombstones so that an older event cannot bring them back)."""

    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    manager: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(30))
    deleted: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column()

"""The resource service's capacity and demand, as last announced by its events (a read model)."""

from __future__ import annotations

import uuid
from typing import Any

from pmo_common.db import JSONText
from sqlalchemy import Integer, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base

CAPACITY_KEY = 1


class CapacitySnapshot(Base):
    """One row (`id` = CAPACITY_KEY): the whole role × month capacity table, replaced by newer events."""

    __tablename__ = "capacity_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int]
    totals: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)


class ProjectDemand(Base):
    """One project's role × month demand; the newest version per project wins."""

    __tablename__ = "project_demand"

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int]
    demand: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)

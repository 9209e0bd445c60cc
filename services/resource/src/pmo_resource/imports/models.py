from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pmo_common.db import JSONText, UTCDateTime, utcnow
from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_resource.db import Base


class ImportRun(Base):
    """The stored report of one import (applied, refused as a whole, or a dry run)."""

    __tablename__ = "imports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    atomic: Mapped[bool] = mapped_column()
    dry_run: Mapped[bool] = mapped_column()
    applied: Mapped[bool] = mapped_column()
    received: Mapped[int] = mapped_column()
    created: Mapped[int] = mapped_column()
    updated: Mapped[int] = mapped_column()
    unchanged: Mapped[int] = mapped_column()
    rejected_count: Mapped[int] = mapped_column()
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

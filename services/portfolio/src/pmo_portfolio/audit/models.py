from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pmo_common.db import AutoIncrementBigInt, JSONText, UTCDateTime, utcnow
from sqlalchemy import Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class AuditEntry(Base):
    """One change to one entity, written in the same transaction as the change itself.

    Append-only: entries are never updated, so they carry no version of their own; `version` is the
    entity's version after the change."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity_id", "seq"),)

    seq: Mapped[int] = mapped_column(AutoIncrementBigInt, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONText)

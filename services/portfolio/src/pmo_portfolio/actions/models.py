"""The action register: one row per action, whether written directly or taken from a status
report or a risk response (then `origin` names that upstream item, so its events apply once)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pmo_common.db import UTCDateTime, utcnow
from sqlalchemy import Boolean, Date, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.actions import rules
from pmo_portfolio.db import Base


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        # The sweep's and the gate facts' question: open actions past their due date.
        Index("ix_actions_status_due_date", "status", "due_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # No foreign keys: actions from other services' events may name a portfolio or project that is
    # gone by the time they arrive; direct writes are checked by the service instead.
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    source_type: Mapped[str | None] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(200))
    # `status_report:<report id>:<index>` or `risk_response:<response id>` for actions the register
    # took from events (unique: a redelivered or repeated event finds its action); null otherwise.
    origin: Mapped[str | None] = mapped_column(String(300), unique=True)
    # The risk response version last applied (newest version wins); null for other actions.
    origin_version: Mapped[int | None]
    # The due date whose crossing `action.overdue` announced; a new due date clears it.
    overdue_announced_for: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deleted actions stay as tombstones, so a late upstream event cannot bring one back.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def source(self) -> dict[str, Any] | None:
        if self.source_type is None or self.source_id is None:
            return None
        return {"type": self.source_type, "id": self.source_id}

    @property
    def overdue(self) -> bool:
        return rules.is_overdue(self.status, self.due_date, rules.today())

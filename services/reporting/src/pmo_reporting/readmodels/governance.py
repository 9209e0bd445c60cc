"""The portfolio's action register and decision log, from `pmo.portfolio.action.*` and
`pmo.portfolio.decision.recorded`: one row per action (newest version wins; a deleted action stays
as a tombstone) and one per decision-log entry (append-only, kept once).

An action's timeline is what its events carry: `created_at` (the register's own, else the time of
the first event seen), `closed_at` (set while done or cancelled; the time of the event that closed it
if a producer left it out) and `deleted_at` (the time of the event that deleted it). As of a date D,
an action counts as open when it was created by the end of D and neither closed nor deleted by then;
as overdue when, besides, its due date is before D. Its due date and title are the current ones
(the read model keeps no older versions of them), and a reopened action has no `closed_at`, so it
counts as open throughout."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from pmo_common.contracts.events import ActionData, DecisionData
from pmo_common.db import UTCDateTime
from pmo_common.events.consumer import apply_if_newer
from sqlalchemy import Boolean, Date, Index, Integer, String, Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from pmo_reporting.db import Base

OPEN_STATUSES = ("open", "in_progress")


class ActionView(Base):
    __tablename__ = "rm_actions"
    __table_args__ = (Index("ix_rm_actions_portfolio", "portfolio_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DecisionView(Base):
    __tablename__ = "rm_decisions"
    __table_args__ = (Index("ix_rm_decisions_portfolio_at", "portfolio_id", "decided_at", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def record_action(session: AsyncSession, data: ActionData, happened: datetime) -> uuid.UUID | None:
    """Apply an action event (published at `happened`) if it is newer than the stored version;
    returns the portfolio the action was in before (None if it was unknown)."""
    happened = _utc(happened)
    before = await session.get(ActionView, data.id)
    old_portfolio = None if before is None else before.portfolio_id
    created_at = happened if data.created_at is None else _utc(data.created_at)
    if before is not None:  # the earliest time known: events may arrive in any order
        created_at = min(created_at, _utc(before.created_at))
    closed_at = data.closed_at
    if closed_at is None and data.status not in OPEN_STATUSES:
        closed_at = before.closed_at if before is not None and before.closed_at else happened
    deleted_at = before.deleted_at if before is not None and before.deleted_at else None
    values: dict[str, Any] = {
        "id": data.id,
        "portfolio_id": data.portfolio_id,
        "project_id": data.project_id,
        "title": data.title[:300],
        "owner": None if data.owner is None else data.owner[:200],
        "due_date": data.due_date,
        "status": data.status[:20],
        "created_at": created_at,
        "closed_at": closed_at,
        "deleted": data.deleted,
        "deleted_at": (deleted_at or happened) if data.deleted else None,
    }
    applied = await apply_if_newer(session, ActionView, data.id, data.version, values)
    if not applied and before is not None and created_at < _utc(before.created_at):
        before.created_at = created_at  # an older event, late: only its time is news
        await session.flush()
    return old_portfolio


async def record_decision(session: AsyncSession, data: DecisionData) -> bool:
    """Keep a decision-log entry (entries never change: the first copy stays)."""
    values = {
        "id": data.id,
        "portfolio_id": data.portfolio_id,
        "project_id": data.project_id,
        "programme_id": data.programme_id,
        "kind": data.kind[:40],
        "title": data.title[:300],
        "decided_by": data.decided_by[:200],
        "decided_at": _utc(data.decided_at),
        "sequence": data.sequence,
        "hash": data.hash[:64],
    }
    return await apply_if_newer(session, DecisionView, data.id, data.version, values)

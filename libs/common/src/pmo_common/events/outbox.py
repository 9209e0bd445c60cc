"""The transactional outbox: an event is a row written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_common.contracts.envelope import CloudEvent, new_event_id
from pmo_common.contracts.events import Event
from pmo_common.db import OUTBOX_TABLE, utcnow, write_behind
from pmo_common.observability import request_id_var

OUTBOX: Table = OUTBOX_TABLE

OUTBOX_DIRTY = "pmo.outbox_dirty"
_INSERT = insert(OUTBOX)  # built once: a statement built per call is also cache-keyed per call


def build_envelope(event: Event[Any]) -> CloudEvent:
    """Wrap a typed event in the contract's envelope."""
    data = event.data
    service = event.subject.split(".")[1]
    return CloudEvent(
        id=new_event_id(),
        source=f"pmo/{service}",
        type=f"{event.subject}.v1",
        subject=str(data.id),
        time=utcnow(),
        sequence=data.version,
        data=data.model_dump(mode="json"),
        requestid=request_id_var.get(),
    )


def _outbox_row(event: Event[Any]) -> dict[str, Any]:
    envelope = build_envelope(event)
    return {
        "event_id": envelope.id,
        "subject": event.subject,
        "aggregate_id": envelope.subject,
        "aggregate_version": envelope.sequence,
        "payload": envelope.model_dump_json(exclude_none=True),  # pydantic-core: one pass, no dict
        "created_at": envelope.time,
    }


async def emit(session: AsyncSession, event: Event[Any]) -> None:
    """Record `event` in the outbox within the caller's transaction; the relay publishes it after
    commit. Nothing is published if the transaction rolls back."""
    await emit_many(session, [event])


async def emit_many(session: AsyncSession, events: Sequence[Event[Any]]) -> None:
    """Several events in one statement (bulk changes such as a matrix re-level or an import)."""
    if not events:
        return
    # Written behind: nothing reads the INSERT's outcome (pmo_common.db.write_behind).
    await write_behind(session, _INSERT, [_outbox_row(event) for event in events])
    session.info[OUTBOX_DIRTY] = True

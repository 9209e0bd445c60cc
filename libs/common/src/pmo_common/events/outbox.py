"""The transactional outbox: an event is a row written in the caller's transaction."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_common.contracts.envelope import CloudEvent, new_event_id
from pmo_common.contracts.events import Event, EventData
from pmo_common.db import OUTBOX_TABLE, utcnow
from pmo_common.observability import request_id_var

OUTBOX: Table = OUTBOX_TABLE

OUTBOX_DIRTY = "pmo.outbox_dirty"


def build_envelope(event: type[Event], data: EventData | dict[str, Any]) -> CloudEvent:
    """Validate `data` against the catalogue and wrap it in the contract's envelope."""
    model = event.data_model.model_validate(data.model_dump() if isinstance(data, BaseModel) else data)
    service = event.subject.split(".")[1]
    return CloudEvent(
        id=new_event_id(),
        source=f"pmo/{service}",
        type=f"{event.subject}.v1",
        subject=str(model.id),
        time=utcnow(),
        sequence=model.version,
        data=model.model_dump(mode="json"),
        requestid=request_id_var.get(),
    )


async def emit(session: AsyncSession, event: type[Event], data: EventData | dict[str, Any]) -> CloudEvent:
    """Record `event` in the outbox within the caller's transaction; the relay publishes it after
    commit. Nothing is published if the transaction rolls back."""
    envelope = build_envelope(event, data)
    await session.execute(
        insert(OUTBOX).values(
            event_id=envelope.id,
            subject=event.subject,
            aggregate_id=envelope.subject,
            aggregate_version=envelope.sequence,
            payload=json.dumps(envelope.model_dump(mode="json", exclude_none=True), separators=(",", ":")),
            created_at=envelope.time,
        )
    )
    session.info[OUTBOX_DIRTY] = True
    return envelope


async def emit_many(
    session: AsyncSession, items: list[tuple[type[Event], EventData | dict[str, Any]]]
) -> None:
    """Several events in one statement (bulk changes such as a matrix re-level or an import)."""
    if not items:
        return
    rows = []
    for event, data in items:
        envelope = build_envelope(event, data)
        rows.append(
            {
                "event_id": envelope.id,
                "subject": event.subject,
                "aggregate_id": envelope.subject,
                "aggregate_version": envelope.sequence,
                "payload": json.dumps(
                    envelope.model_dump(mode="json", exclude_none=True), separators=(",", ":")
                ),
                "created_at": envelope.time,
            }
        )
    await session.execute(insert(OUTBOX), rows)
    session.info[OUTBOX_DIRTY] = True

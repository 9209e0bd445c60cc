"""The audit trail: every change to every entity, recorded in the change's own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.audit.models import AuditEntry

# Bookkeeping fields that change with every write and say nothing about what the user changed.
_NOISE = frozenset({"version", "updated_at", "created_at"})


def snapshot(read: BaseModel) -> dict[str, Any]:
    """An entity's state as JSON-ready values (money as strings, ids and dates as text)."""
    return {k: v for k, v in read.model_dump(mode="json").items() if k not in _NOISE}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`{field: {"from": old, "to": new}}` for every field whose value changed."""
    return {
        key: {"from": before.get(key), "to": value}
        for key, value in after.items()
        if key not in _NOISE and before.get(key) != value
    }


async def record(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    version: int,
    action: str,
    actor: str,
    changes: dict[str, Any],
) -> None:
    session.add(
        AuditEntry(
            entity_type=entity_type,
            entity_id=entity_id,
            version=version,
            action=action,
            actor=actor,
            changes=changes,
        )
    )
    await session.flush()

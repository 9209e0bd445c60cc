"""The audit trail every service keeps: one append-only row per change to one entity, written in
the change's own transaction by `pmo_common.changes`, served at `GET /<service>/v1/audit`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_common.auth import Principal, Reader
from pmo_common.db import AUDIT_TABLE, utcnow, write_behind
from pmo_common.examples import MANAGER, UPDATED_AT
from pmo_common.http import Cursor, Limit, Page, SessionDep, paginate_rows

# Bookkeeping fields that change with every write and say nothing about what the user changed.
NOISE = frozenset({"version", "updated_at", "created_at", "changed"})


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "seq": 1812,
                    "entity_type": "risk",
                    "entity_id": "9a3d5e7f-1b2c-4d4e-8f60-7a8b9c0d1e2f",
                    "version": 3,
                    "action": "updated",
                    "actor": MANAGER,
                    "at": UPDATED_AT,
                    "changes": {
                        "probability": {"from": 3, "to": 4},
                        "level": {"from": "medium", "to": "high"},
                    },
                }
            ]
        },
    )

    seq: int = Field(description="Position in the audit log; increases with every entry.")
    entity_type: str
    entity_id: uuid.UUID
    version: int = Field(description="The entity's version after the change.")
    action: str = Field(description="What happened: created, updated, deleted, or a domain verb.")
    actor: str = Field(description="The `sub` of the principal who made the change.")
    at: datetime
    changes: dict[str, Any] = Field(
        description="For `created`/`deleted` the entity's state; otherwise `{field: {from, to}}`."
    )


def snapshot(state: dict[str, Any]) -> dict[str, Any]:
    """An entity's JSON-ready state without the bookkeeping fields."""
    return {k: v for k, v in state.items() if k not in NOISE}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`{field: {"from": old, "to": new}}` for every field whose value changed."""
    return {
        key: {"from": before.get(key), "to": value}
        for key, value in after.items()
        if key not in NOISE and before.get(key) != value
    }


async def record(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    version: int,
    action: str,
    principal: Principal,
    changes: dict[str, Any],
) -> None:
    # One constant statement with its values as parameters: `.values(...)` built and keyed a new
    # statement on every change (a tenth of a create's time). Nothing reads its outcome: written
    # behind, with the transaction's next statement or its commit.
    await write_behind(
        session,
        _INSERT,
        {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "version": version,
            "action": action,
            "actor": principal.sub,
            "at": utcnow(),
            "changes": changes,
        },
    )


_INSERT = insert(AUDIT_TABLE)


def audit_router(entity_types: Sequence[str]) -> APIRouter:
    """`GET /audit` for a service whose aggregates are `entity_types`."""
    router = APIRouter(prefix="/audit", tags=["audit"])
    entity_type_filter = Literal[tuple(entity_types)]  # type: ignore[valid-type]

    async def list_audit_entries(
        session: SessionDep,
        _: Reader,
        entity_id: uuid.UUID | None = None,
        entity_type: str | None = None,  # narrowed to `entity_types` below
        actor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Page[AuditEntryRead]:
        """Every change to this service's entities, oldest first (by `seq`); the filters combine with
        AND: `entity_type`, `entity_id` (one entity's history), `actor` (a principal's `sub`). Entries
        are written in the change's own transaction, so no change is missing from the trail and no
        entry describes a change that did not happen. Roles: admin, pmo, project_manager,
        resource_manager, viewer.

        Example: `GET /audit?entity_type=risk&entity_id=…` lists one risk's changes, each with who made
        it, when, and `{field: {from, to}}` (for `created`/`deleted` the entity's state)."""
        stmt = select(AUDIT_TABLE)
        if entity_type is not None:
            stmt = stmt.where(AUDIT_TABLE.c.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AUDIT_TABLE.c.entity_id == entity_id)
        if actor is not None:
            stmt = stmt.where(AUDIT_TABLE.c.actor == actor)
        rows, next_cursor = await paginate_rows(session, stmt, [(AUDIT_TABLE.c.seq, False)], limit, cursor)
        return Page(items=[AuditEntryRead.model_validate(r) for r in rows], next_cursor=next_cursor)

    # The annotations of this module are strings (`from __future__ import annotations`), and FastAPI
    # resolves them in the module's globals, where this local type is not: give it the type itself.
    list_audit_entries.__annotations__["entity_type"] = entity_type_filter | None
    router.get("", response_model=Page[AuditEntryRead], summary="The audit trail, oldest first")(
        list_audit_entries
    )
    return router

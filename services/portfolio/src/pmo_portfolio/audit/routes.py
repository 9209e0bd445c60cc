from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pmo_common.auth import Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep

from pmo_portfolio.audit import repository
from pmo_portfolio.audit.schemas import AuditEntryRead, EntityType

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEntryRead], summary="The audit trail, oldest first")
async def list_audit_entries(
    session: SessionDep,
    _: Reader,
    entity_id: uuid.UUID | None = None,
    entity_type: EntityType | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AuditEntryRead]:
    rows, next_cursor = await repository.list_page(
        session, entity_type=entity_type, entity_id=entity_id, actor=actor, limit=limit, cursor=cursor
    )
    return Page(items=[AuditEntryRead.model_validate(r) for r in rows], next_cursor=next_cursor)

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from typing import Any

from pmo_common.db import upsert_insert
from pmo_common.http import Repository
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.allocations.models import Allocation
from pmo_resource.capacity.repository import chunked
from pmo_resource.resources.models import Resource

resources = Repository(Resource, [(Resource.created_at, False), (Resource.id, False)])


async def external_id_taken(
    session: AsyncSession, external_id: str, *, other_than: uuid.UUID | None = None
) -> bool:
    stmt = select(Resource.id).where(Resource.external_id == external_id)
    if other_than is not None:
        stmt = stmt.where(Resource.id != other_than)
    return (await session.scalar(stmt.limit(1))) is not None


async def has_allocations(session: AsyncSession, resource_id: uuid.UUID) -> bool:
    stmt = select(Allocation.id).where(Allocation.resource_id == resource_id).limit(1)
    return (await session.scalar(stmt)) is not None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching(*, role: str | None, skill: str | None, org_unit: str | None, active: bool | None) -> list[Any]:
    """The `where` clauses of `GET /resources`' filters."""
    clauses: list[Any] = []
    if role is not None:
        clauses.append(Resource.role == role)
    if org_unit is not None:
        clauses.append(Resource.org_unit == org_unit)
    if active is not None:
        clauses.append(Resource.active.is_(active))
    if skill is not None:
        # Skills are stored as a JSON array of strings: match one whole element, case-insensitively.
        needle = "%" + _like_escape(json.dumps(skill.lower())) + "%"
        clauses.append(func.lower(Resource.skills).like(needle, escape="\\"))
    return clauses


IMPORT_COLUMNS = (
    Resource.id,
    Resource.external_id,
    Resource.name,
    Resource.email,
    Resource.role,
    Resource.skills,
    Resource.org_unit,
    Resource.fte,
    Resource.hours_per_week,
    Resource.cost_rate,
    Resource.active,
    Resource.version,
)


async def rows_by_external_id(session: AsyncSession, external_ids: Collection[str]) -> dict[str, Any]:
    """The stored rows of these people (plain rows, not ORM objects: imports touch thousands)."""
    found: dict[str, Any] = {}
    for chunk in chunked(sorted(external_ids)):
        rows = (await session.execute(select(*IMPORT_COLUMNS).where(Resource.external_id.in_(chunk)))).all()
        found.update({row.external_id: row for row in rows})
    return found


async def upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert or update people by `external_id` in one batched statement (version + 1 on update,
    in SQL: a Core statement for thousands of rows, not the ORM's one flush per object)."""

    table = Resource.__table__
    stmt = upsert_insert(session, table)
    updatable = [c for c in rows[0] if c not in ("id", "external_id", "version", "created_at")]
    stmt = stmt.on_conflict_do_update(
        index_elements=["external_id"],
        set_={**{c: stmt.excluded[c] for c in updatable}, "version": table.c.version + 1},
    )
    await session.execute(stmt, rows)

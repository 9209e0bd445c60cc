from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.capacity.models import CAPACITY_KEY, CapacitySnapshot, ProjectDemand

RoleMonth = tuple[str, str]


def _table(rows: list[dict[str, object]]) -> dict[RoleMonth, float]:
    table: dict[RoleMonth, float] = {}
    for row in rows:
        key = (str(row["role"]), str(row["period"]))
        table[key] = table.get(key, 0.0) + float(row["hours"])  # type: ignore[arg-type]
    return table


async def capacity(session: AsyncSession) -> dict[RoleMonth, float] | None:
    """The role × month capacity last announced by the resource service; None before any."""
    snapshot = await session.get(CapacitySnapshot, CAPACITY_KEY)
    return None if snapshot is None else _table(snapshot.totals)


async def demand(
    session: AsyncSession, project_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[RoleMonth, float]]:
    if not project_ids:
        return {}
    stmt = select(ProjectDemand).where(ProjectDemand.project_id.in_(list(project_ids)))
    return {row.project_id: _table(row.demand) for row in (await session.scalars(stmt)).all()}

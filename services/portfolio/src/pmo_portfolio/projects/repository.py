from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from pmo_common.http import Repository
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.projects.models import Project

# `GET /projects` (filters and sorts) is `projects.listing`.
repository = Repository(Project, [(Project.created_at, False), (Project.id, False)])
get = repository.get


async def in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> list[Project]:
    stmt = select(Project).where(Project.portfolio_id == portfolio_id).order_by(Project.code)
    return list((await session.scalars(stmt)).all())


async def in_stages(session: AsyncSession, portfolio_id: uuid.UUID, stages: Collection[str]) -> list[Project]:
    stmt = (
        select(Project)
        .where(Project.portfolio_id == portfolio_id, Project.stage.in_(list(stages)))
        .order_by(Project.code)
    )
    return list((await session.scalars(stmt)).all())


async def count_in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(Project).where(Project.portfolio_id == portfolio_id)
    return int(await session.scalar(stmt) or 0)


async def code_taken(
    session: AsyncSession, portfolio_id: uuid.UUID, code: str, exclude_id: uuid.UUID | None = None
) -> bool:
    stmt = select(Project.id).where(Project.portfolio_id == portfolio_id, Project.code == code)
    if exclude_id is not None:
        stmt = stmt.where(Project.id != exclude_id)
    return (await session.scalar(stmt.limit(1))) is not None


async def ids_in_portfolio(
    session: AsyncSession, portfolio_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    if not ids:
        return set()
    stmt = select(Project.id).where(Project.portfolio_id == portfolio_id, Project.id.in_(list(ids)))
    return set((await session.scalars(stmt)).all())


async def count_in_programme(session: AsyncSession, programme_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(Project).where(Project.programme_id == programme_id)
    return int(await session.scalar(stmt) or 0)


async def field_values(session: AsyncSession, portfolio_id: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    """`(code, fields)` of every project of the portfolio, in code order (columns only: no baselines)."""
    stmt = (
        select(Project.code, Project.fields)
        .where(Project.portfolio_id == portfolio_id)
        .order_by(Project.code)
    )
    return [(code, fields or {}) for code, fields in (await session.execute(stmt)).all()]

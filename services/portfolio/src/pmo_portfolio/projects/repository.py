from __future__ import annotations

import uuid
from collections.abc import Collection

from pmo_common.http import paginate
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.projects.models import Project


async def get(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.get(Project, project_id)


async def list_page(
    session: AsyncSession,
    *,
    portfolio_id: uuid.UUID | None,
    stage: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Project], str | None]:
    stmt = select(Project)
    if portfolio_id is not None:
        stmt = stmt.where(Project.portfolio_id == portfolio_id)
    if stage is not None:
        stmt = stmt.where(Project.stage == stage)
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(Project.code).contains(needle, autoescape=True),
                func.lower(Project.name).contains(needle, autoescape=True),
            )
        )
    return await paginate(session, stmt, [(Project.created_at, False), (Project.id, False)], limit, cursor)


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

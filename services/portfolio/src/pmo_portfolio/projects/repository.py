from __future__ import annotations

import uuid
from collections.abc import Collection

from pmo_common.http import Repository
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.schemas import ProjectFilters

# Oldest first: a stable order while projects are added.
repository = Repository(Project, [(Project.created_at, False), (Project.id, False)])
get = repository.get


async def list_page(
    session: AsyncSession, filters: ProjectFilters, *, limit: int, cursor: str | None
) -> tuple[list[Project], str | None]:
    return await repository.list_page(session, *_where(filters), limit=limit, cursor=cursor)


def _where(filters: ProjectFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.portfolio_id is not None:
        where.append(Project.portfolio_id == filters.portfolio_id)
    if filters.stage is not None:
        where.append(Project.stage == filters.stage)
    if filters.q:
        needle = filters.q.lower()
        where.append(
            or_(
                func.lower(Project.code).contains(needle, autoescape=True),
                func.lower(Project.name).contains(needle, autoescape=True),
            )
        )
    return where


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

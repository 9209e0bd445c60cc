from __future__ import annotations

import functools
import uuid
from collections.abc import Collection
from typing import Any

from pmo_common.db import Database
from pmo_common.http import Repository
from sqlalchemy import Row, Select, Table, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from pmo_portfolio.projects.models import Project

# `GET /projects` (filters and sorts) is `projects.listing`.
repository = Repository(Project, [(Project.created_at, False), (Project.id, False)])
# The relationship's own selectin load is a second SELECT after the project's; a project has a few
# baselines at most, so joining them is the cheaper way for the one project a write loads.
_WITH_BASELINES = (joinedload(Project.baselines),)


async def get(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    """The project (for a write: an ORM object in the session) with its baselines, in one SELECT."""
    return await session.get(Project, project_id, options=_WITH_BASELINES)


PROJECTS: Table = Project.__table__
BASELINE_TERMS = ("number", "budget", "start_date", "finish_date", "cost_profile", "approved_at")


@functools.cache
def read_statement() -> Select[Any]:
    """Projects with the terms of their baseline in force (the latest approved), in one statement:
    the reads (by id, the list) add their conditions. Built once, on first use: the baselines table
    is reached through the mapped relationship, so the projects package need not import the
    baselines one (which imports it)."""
    baselines = Project.baselines.property.mapper.local_table
    in_force = baselines.alias("in_force")
    latest = (
        select(baselines.c.id)
        .where(baselines.c.project_id == PROJECTS.c.id)
        .order_by(baselines.c.approved_at.desc(), baselines.c.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    terms = [in_force.c[name].label(f"baseline_{name}") for name in BASELINE_TERMS]
    return select(PROJECTS, *terms).select_from(PROJECTS.outerjoin(in_force, in_force.c.id == latest))


@functools.cache
def _read_by_id() -> Select[Any]:
    return read_statement().where(PROJECTS.c.id == bindparam("id"))


async def read_row(db: Database, project_id: uuid.UUID) -> Row[Any] | None:
    """The read by id as one Core statement on a read connection (no session, no ORM objects, no
    second query for the baselines); see `projects.service.read_from_row`."""
    return await db.read_one(_read_by_id(), {"id": project_id})


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

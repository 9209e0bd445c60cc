"""Every query of the benefits register."""

from __future__ import annotations

import uuid

from pmo_common.http import Repository
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.benefits.models import Benefit, BenefitMeasurement
from pmo_portfolio.benefits.schemas import BenefitFilters
from pmo_portfolio.programmes.models import Programme

# Oldest first: a stable order while benefits are added.
repository = Repository(Benefit, [(Benefit.created_at, False), (Benefit.id, False)])
# A benefit's history in date order (one measurement per date, so `as_of` is unique within it).
measurements = Repository(
    BenefitMeasurement, [(BenefitMeasurement.as_of, False), (BenefitMeasurement.id, False)]
)
get = repository.get


async def list_page(
    session: AsyncSession, filters: BenefitFilters, *, limit: int, cursor: str | None
) -> tuple[list[Benefit], str | None]:
    where: list[ColumnElement[bool]] = []
    for column, value in (
        (Benefit.portfolio_id, filters.portfolio_id),
        (Benefit.programme_id, filters.programme_id),
        (Benefit.project_id, filters.project_id),
    ):
        if value is not None:
            where.append(column == value)
    return await repository.list_page(session, *where, limit=limit, cursor=cursor)


async def measurements_page(
    session: AsyncSession, benefit_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[BenefitMeasurement], str | None]:
    return await measurements.list_page(
        session, BenefitMeasurement.benefit_id == benefit_id, limit=limit, cursor=cursor
    )


async def count_for_project(session: AsyncSession, project_id: uuid.UUID) -> int:
    """How many benefits name the project (the gate fact `benefits.count`)."""
    stmt = select(func.count()).select_from(Benefit).where(Benefit.project_id == project_id)
    return int(await session.scalar(stmt) or 0)


async def count_in_portfolio(session: AsyncSession, portfolio_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(Benefit).where(Benefit.portfolio_id == portfolio_id)
    return int(await session.scalar(stmt) or 0)


async def programme_portfolio(session: AsyncSession, programme_id: uuid.UUID) -> uuid.UUID | None:
    """The portfolio of the programme, or None when there is no such programme."""
    return await session.scalar(select(Programme.portfolio_id).where(Programme.id == programme_id))

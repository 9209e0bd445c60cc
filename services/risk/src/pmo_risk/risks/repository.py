from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pmo_common.http import Repository, paginate
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.risks.models import Assessment, Risk, RiskResponse
from pmo_risk.risks.schemas import OverdueFilters, RiskFilters

BY_CREATION: list[Any] = [(Risk.created_at, False), (Risk.id, False)]
RISKS = Repository(Risk, BY_CREATION)
ASSESSMENTS = Repository(Assessment, [(Assessment.created_at, False), (Assessment.id, False)])
RESPONSES = Repository(RiskResponse, [(RiskResponse.created_at, False), (RiskResponse.id, False)])


async def get_response(
    session: AsyncSession, risk_id: uuid.UUID, response_id: uuid.UUID
) -> RiskResponse | None:
    response = await RESPONSES.get(session, response_id)
    return response if response is not None and response.risk_id == risk_id else None


def _in_scope(portfolio_id: uuid.UUID | None, project_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    where = []
    if portfolio_id is not None:
        where.append(Risk.portfolio_id == portfolio_id)
    if project_id is not None:
        where.append(Risk.project_id == project_id)
    return where


async def list_page(
    session: AsyncSession, filters: RiskFilters, limit: int, cursor: str | None
) -> tuple[list[Risk], str | None]:
    where = _in_scope(filters.portfolio_id, filters.project_id)
    for column, value in [
        (Risk.status, filters.status),
        (Risk.level, filters.level),
        (Risk.owner, filters.owner),
    ]:
        if value is not None:
            where.append(column == value)
    if filters.sort is None:
        return await RISKS.list_page(session, *where, limit=limit, cursor=cursor)
    order = [(Risk.score, filters.sort == "-score"), *BY_CREATION]
    return await paginate(session, select(Risk).where(*where), order, limit, cursor)


async def open_risks(
    session: AsyncSession,
    *,
    portfolio_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    kind: str | None = None,
) -> list[Risk]:
    where = [Risk.status == "open", *_in_scope(portfolio_id, project_id)]
    if kind is not None:
        where.append(Risk.kind == kind)
    return list((await session.scalars(select(Risk).where(*where).order_by(Risk.created_at, Risk.id))).all())


async def open_counts_by_level(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Risk.level, func.count()).where(Risk.status == "open").group_by(Risk.level)
    )
    return {str(level): int(count) for level, count in rows}


async def assessments_page(
    session: AsyncSession, risk_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Assessment], str | None]:
    return await ASSESSMENTS.list_page(session, Assessment.risk_id == risk_id, limit=limit, cursor=cursor)


async def responses_page(
    session: AsyncSession, risk_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[RiskResponse], str | None]:
    return await RESPONSES.list_page(session, RiskResponse.risk_id == risk_id, limit=limit, cursor=cursor)


async def responses_of(session: AsyncSession, risk_id: uuid.UUID) -> list[RiskResponse]:
    stmt = select(RiskResponse).where(RiskResponse.risk_id == risk_id).order_by(RiskResponse.created_at)
    return list((await session.scalars(stmt)).all())


async def overdue_responses_page(
    session: AsyncSession, as_of: date, filters: OverdueFilters, limit: int, cursor: str | None
) -> tuple[list[RiskResponse], str | None]:
    """Responses of open risks in scope, not done, due before `as_of`; earliest due first."""
    stmt = (
        select(RiskResponse)
        .join(Risk, Risk.id == RiskResponse.risk_id)
        .where(
            RiskResponse.due_date < as_of,
            RiskResponse.status != "done",
            Risk.status == "open",
            *_in_scope(filters.portfolio_id, filters.project_id),
        )
    )
    if filters.owner is not None:
        stmt = stmt.where(RiskResponse.owner == filters.owner)
    order: list[Any] = [(RiskResponse.due_date, False), (RiskResponse.id, False)]
    return await paginate(session, stmt, order, limit, cursor)

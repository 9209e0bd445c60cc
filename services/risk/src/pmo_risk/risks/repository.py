from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pmo_common.http import paginate
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.risks.models import Assessment, Risk, RiskResponse


async def get(session: AsyncSession, risk_id: uuid.UUID) -> Risk | None:
    return await session.get(Risk, risk_id)


async def get_response(
    session: AsyncSession, risk_id: uuid.UUID, response_id: uuid.UUID
) -> RiskResponse | None:
    response = await session.get(RiskResponse, response_id)
    return response if response is not None and response.risk_id == risk_id else None


def _scoped(stmt: Select[Any], portfolio_id: uuid.UUID | None, project_id: uuid.UUID | None) -> Select[Any]:
    if portfolio_id is not None:
        stmt = stmt.where(Risk.portfolio_id == portfolio_id)
    if project_id is not None:
        stmt = stmt.where(Risk.project_id == project_id)
    return stmt


async def list_page(
    session: AsyncSession,
    *,
    portfolio_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    status: str | None,
    level: str | None,
    owner: str | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Risk], str | None]:
    stmt = _scoped(select(Risk), portfolio_id, project_id)
    if status is not None:
        stmt = stmt.where(Risk.status == status)
    if level is not None:
        stmt = stmt.where(Risk.level == level)
    if owner is not None:
        stmt = stmt.where(Risk.owner == owner)
    order: list[Any] = [(Risk.created_at, False), (Risk.id, False)]
    if sort in ("score", "-score"):
        order = [(Risk.score, sort == "-score"), *order]
    return await paginate(session, stmt, order, limit, cursor)


async def open_risks(
    session: AsyncSession,
    *,
    portfolio_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    kind: str | None = None,
) -> list[Risk]:
    stmt = _scoped(select(Risk).where(Risk.status == "open"), portfolio_id, project_id)
    if kind is not None:
        stmt = stmt.where(Risk.kind == kind)
    return list((await session.scalars(stmt.order_by(Risk.created_at, Risk.id))).all())


async def open_counts_by_level(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Risk.level, func.count()).where(Risk.status == "open").group_by(Risk.level)
    )
    return {str(level): int(count) for level, count in rows}


async def assessments_page(
    session: AsyncSession, risk_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Assessment], str | None]:
    stmt = select(Assessment).where(Assessment.risk_id == risk_id)
    return await paginate(
        session, stmt, [(Assessment.created_at, False), (Assessment.id, False)], limit, cursor
    )


async def responses_page(
    session: AsyncSession, risk_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[RiskResponse], str | None]:
    stmt = select(RiskResponse).where(RiskResponse.risk_id == risk_id)
    return await paginate(
        session, stmt, [(RiskResponse.created_at, False), (RiskResponse.id, False)], limit, cursor
    )


async def overdue_responses_page(
    session: AsyncSession,
    *,
    as_of: date,
    portfolio_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    owner: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[RiskResponse], str | None]:
    stmt = (
        select(RiskResponse)
        .join(Risk, Risk.id == RiskResponse.risk_id)
        .where(RiskResponse.due_date < as_of, RiskResponse.status != "done", Risk.status == "open")
    )
    stmt = _scoped(stmt, portfolio_id, project_id)
    if owner is not None:
        stmt = stmt.where(RiskResponse.owner == owner)
    order: list[Any] = [(RiskResponse.due_date, False), (RiskResponse.id, False)]
    return await paginate(session, stmt, order, limit, cursor)

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.logic.scoring import DEFAULT_MATRIX, Level, MatrixRules
from pmo_risk.matrices.models import RiskMatrix


async def get(session: AsyncSession, portfolio_id: uuid.UUID) -> RiskMatrix | None:
    return await session.get(RiskMatrix, portfolio_id)


def rules_of(matrix: RiskMatrix | None) -> MatrixRules:
    if matrix is None:
        return DEFAULT_MATRIX
    return MatrixRules(
        probability_percent=tuple(Decimal(p) for p in matrix.probability_percent),
        levels=tuple(Level(str(level["name"]), int(level["min_score"])) for level in matrix.levels),
        escalation_score=matrix.escalation_score,
    )


async def rules_for(session: AsyncSession, portfolio_id: uuid.UUID) -> MatrixRules:
    """The portfolio's matrix, or the defaults when none is stored."""
    return rules_of(await get(session, portfolio_id))


async def rules_for_many(
    session: AsyncSession, portfolio_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, MatrixRules]:
    ids = set(portfolio_ids)
    rows = (
        (await session.scalars(select(RiskMatrix).where(RiskMatrix.portfolio_id.in_(ids)))).all()
        if ids
        else []
    )
    found = {row.portfolio_id: rules_of(row) for row in rows}
    return {pid: found.get(pid, DEFAULT_MATRIX) for pid in ids}

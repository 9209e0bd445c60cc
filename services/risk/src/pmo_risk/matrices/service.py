"""Matrix rules. Never commits: the request's session dependency is the transaction boundary.
A matrix publishes no event of its own; its changes join the audit trail, and the risks it
re-levels publish theirs."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.errors import Conflict
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.logic.scoring import DEFAULT_MATRIX, MatrixRules
from pmo_risk.matrices import repository
from pmo_risk.matrices.models import RiskMatrix
from pmo_risk.matrices.schemas import MatrixLevel, MatrixRead, MatrixWrite
from pmo_risk.risks.service import relevel_portfolio


def read(portfolio_id: uuid.UUID, matrix: RiskMatrix | None) -> MatrixRead:
    if matrix is None:
        return _read_rules(portfolio_id, DEFAULT_MATRIX)
    read = _read_rules(portfolio_id, repository.rules_of(matrix))
    return read.model_copy(
        update={"version": matrix.version, "is_default": False, "updated_at": matrix.updated_at}
    )


def _read_rules(portfolio_id: uuid.UUID, rules: MatrixRules) -> MatrixRead:
    return MatrixRead(
        portfolio_id=portfolio_id,
        probability_percent=[float(p) for p in rules.probability_percent],
        levels=[MatrixLevel(name=level.name, min_score=level.min_score) for level in rules.levels],
        escalation_score=rules.escalation_score,
        version=0,
        is_default=True,
    )


MATRIX: Aggregate[RiskMatrix] = Aggregate(
    "risk_matrix", read=lambda matrix: read(matrix.portfolio_id, matrix)
)


def _stored(body: MatrixWrite) -> dict[str, Any]:
    """The matrix as its columns hold it (percentages as exact decimal strings)."""
    return {
        "probability_percent": [f"{Decimal(str(p)).normalize():f}" for p in body.probability_percent],
        "levels": [level.model_dump() for level in body.levels],
        "escalation_score": body.escalation_score,
    }


async def put(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    matrix: RiskMatrix | None,
    body: MatrixWrite,
    principal: Principal,
) -> RiskMatrix:
    """Store the matrix and, in the same transaction, re-level the portfolio's open risks and
    publish what changed for each of them."""
    values = _stored(body)
    if matrix is None:
        matrix = RiskMatrix(portfolio_id=portfolio_id, updated_by=principal.sub, **values)
        try:
            await MATRIX.create(session, matrix, principal, None)
        except IntegrityError:
            raise Conflict(
                "Another request stored this portfolio's first matrix meanwhile; GET it and retry."
            ) from None
    elif all(getattr(matrix, key) == value for key, value in values.items()):
        return matrix  # the same matrix again: no new version, nothing to re-level
    else:
        await MATRIX.update(session, matrix, principal, {**values, "updated_by": principal.sub}, None)
    await relevel_portfolio(session, portfolio_id, repository.rules_of(matrix), principal)
    return matrix

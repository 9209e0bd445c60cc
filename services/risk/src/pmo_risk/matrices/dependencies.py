from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.http import SessionDep

from pmo_risk.catalog import repository as catalog
from pmo_risk.matrices import repository
from pmo_risk.matrices.models import RiskMatrix


async def stored_matrix(portfolio_id: uuid.UUID, session: SessionDep) -> RiskMatrix | None:
    """The portfolio's stored matrix; None while it uses the defaults. An unknown portfolio is a 404."""
    await catalog.known_portfolio(session, portfolio_id)
    return await repository.get(session, portfolio_id)


MatrixDep = Annotated[RiskMatrix | None, Depends(stored_matrix)]

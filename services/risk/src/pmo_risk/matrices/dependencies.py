from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.http import SessionDep

from pmo_risk.matrices import repository
from pmo_risk.matrices.models import RiskMatrix


async def stored_matrix(portfolio_id: uuid.UUID, session: SessionDep) -> RiskMatrix | None:
    """The portfolio's stored matrix; None while it uses the defaults (never a 404)."""
    return await repository.get(session, portfolio_id)


MatrixDep = Annotated[RiskMatrix | None, Depends(stored_matrix)]

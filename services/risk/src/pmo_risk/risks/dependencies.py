from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_risk.risks import repository
from pmo_risk.risks.models import Risk, RiskResponse


async def valid_risk(risk_id: uuid.UUID, session: SessionDep) -> Risk:
    risk = await repository.RISKS.get(session, risk_id)
    if risk is None:
        raise NotFound(f"No risk with id {risk_id}.")
    return risk


async def valid_response(
    risk: Annotated[Risk, Depends(valid_risk)], response_id: uuid.UUID, session: SessionDep
) -> RiskResponse:
    response = await repository.get_response(session, risk.id, response_id)
    if response is None:
        raise NotFound(f"Risk {risk.id} has no response {response_id}.")
    return response


RiskDep = Annotated[Risk, Depends(valid_risk)]
ResponseDep = Annotated[RiskResponse, Depends(valid_response)]

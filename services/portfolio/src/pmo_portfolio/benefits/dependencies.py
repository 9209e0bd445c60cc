from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.benefits import repository
from pmo_portfolio.benefits.models import Benefit


async def valid_benefit(benefit_id: uuid.UUID, session: SessionDep) -> Benefit:
    benefit = await repository.get(session, benefit_id)
    if benefit is None:
        raise NotFound(f"No benefit with id {benefit_id}.")
    return benefit


BenefitDep = Annotated[Benefit, Depends(valid_benefit)]

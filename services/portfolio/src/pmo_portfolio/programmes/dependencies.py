from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.programmes import repository
from pmo_portfolio.programmes.models import Programme


async def valid_programme(programme_id: uuid.UUID, session: SessionDep) -> Programme:
    programme = await repository.get(session, programme_id)
    if programme is None:
        raise NotFound(f"No programme with id {programme_id}.")
    return programme


ProgrammeDep = Annotated[Programme, Depends(valid_programme)]

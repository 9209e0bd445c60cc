from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query
from pmo_common.errors import NotFound, invalid
from pmo_common.http import SessionDep

from pmo_portfolio.decisions import repository
from pmo_portfolio.decisions.models import Decision
from pmo_portfolio.decisions.schemas import DecisionFilters, Kind


async def valid_decision(decision_id: uuid.UUID, session: SessionDep) -> Decision:
    decision = await repository.get(session, decision_id)
    if decision is None:
        raise NotFound(f"No decision log entry with id {decision_id}.")
    return decision


async def decision_filters(
    portfolio_id: Annotated[uuid.UUID | None, Query(description="Only this portfolio's log.")] = None,
    project_id: Annotated[uuid.UUID | None, Query(description="Only entries about this project.")] = None,
    programme_id: Annotated[uuid.UUID | None, Query(description="Only entries about this programme.")] = None,
    kind: Annotated[Kind | None, Query(description="Only this kind.")] = None,
    first: Annotated[
        date | None, Query(alias="from", description="Decided on or after this day (UTC), YYYY-MM-DD.")
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="Decided on or before this day (UTC), YYYY-MM-DD.")
    ] = None,
) -> DecisionFilters:
    if first is not None and last is not None and last < first:
        raise invalid("query.to", "must not be before `from`")
    return DecisionFilters(
        portfolio_id=portfolio_id,
        project_id=project_id,
        programme_id=programme_id,
        kind=kind,
        first=first,
        last=last,
    )


DecisionDep = Annotated[Decision, Depends(valid_decision)]
DecisionFiltersDep = Annotated[DecisionFilters, Depends(decision_filters)]

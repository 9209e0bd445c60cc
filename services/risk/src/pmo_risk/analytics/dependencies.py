"""The scope of an analytics query: a known portfolio and/or project (404 otherwise), consistent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import invalid
from pmo_common.http import SessionDep

from pmo_risk.catalog import repository as catalog


@dataclass(frozen=True)
class Scope:
    portfolio_id: uuid.UUID | None
    project_id: uuid.UUID | None
    currency: str | None  # None only for an unscoped heat map, which counts and adds no money


async def scope(
    session: SessionDep, portfolio_id: uuid.UUID | None = None, project_id: uuid.UUID | None = None
) -> Scope:
    currency = None
    if project_id is not None:
        project = await catalog.known_project(session, project_id)
        if portfolio_id is not None and portfolio_id != project.portfolio_id:
            raise invalid(
                "query.project_id", f"is a project of portfolio {project.portfolio_id}, not {portfolio_id}"
            )
        portfolio_id = project.portfolio_id
    if portfolio_id is not None:
        currency = (await catalog.known_portfolio(session, portfolio_id)).currency
    return Scope(portfolio_id, project_id, currency)


async def money_scope(found: Annotated[Scope, Depends(scope)]) -> Scope:
    """Amounts are added within one portfolio only: each has its own currency."""
    if found.portfolio_id is None:
        raise invalid(
            "query.portfolio_id",
            "exposure adds amounts, which are in each portfolio's own currency: name a portfolio_id or project_id",
        )
    return found


ScopeDep = Annotated[Scope, Depends(scope)]
MoneyScopeDep = Annotated[Scope, Depends(money_scope)]

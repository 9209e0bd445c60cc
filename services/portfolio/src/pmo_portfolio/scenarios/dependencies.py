from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.portfolios.dependencies import PortfolioDep
from pmo_portfolio.scenarios import repository
from pmo_portfolio.scenarios.models import Scenario


async def valid_scenario(scenario_id: uuid.UUID, portfolio: PortfolioDep, session: SessionDep) -> Scenario:
    scenario = await repository.get(session, scenario_id)
    if scenario is None or scenario.portfolio_id != portfolio.id:
        raise NotFound(f"Portfolio {portfolio.id} has no scenario with id {scenario_id}.")
    return scenario


ScenarioDep = Annotated[Scenario, Depends(valid_scenario)]

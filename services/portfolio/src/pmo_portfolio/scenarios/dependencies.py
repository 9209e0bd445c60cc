from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query
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


async def _scenario_of(
    portfolio_id: uuid.UUID, scenario_id: uuid.UUID, param: str, session: SessionDep
) -> Scenario:
    scenario = await repository.get(session, scenario_id)
    if scenario is None or scenario.portfolio_id != portfolio_id:
        raise NotFound(f"Portfolio {portfolio_id} has no scenario with id {scenario_id} (`{param}`).")
    return scenario


async def scenario_a(
    a: Annotated[uuid.UUID, Query(description="The scenario compared against.")],
    portfolio: PortfolioDep,
    session: SessionDep,
) -> Scenario:
    return await _scenario_of(portfolio.id, a, "a", session)


async def scenario_b(
    b: Annotated[uuid.UUID, Query(description="The scenario compared (deltas are b − a).")],
    portfolio: PortfolioDep,
    session: SessionDep,
) -> Scenario:
    return await _scenario_of(portfolio.id, b, "b", session)


async def frontier_scenario(
    portfolio: PortfolioDep,
    session: SessionDep,
    scenario_id: Annotated[
        uuid.UUID | None,
        Query(
            description="Hold this scenario's period budgets, groups, forced projects, weights and start "
            "period fixed; only the overall budget varies."
        ),
    ] = None,
) -> Scenario | None:
    return (
        None if scenario_id is None else await _scenario_of(portfolio.id, scenario_id, "scenario_id", session)
    )


ScenarioA = Annotated[Scenario, Depends(scenario_a)]
ScenarioB = Annotated[Scenario, Depends(scenario_b)]
FrontierScenario = Annotated[Scenario | None, Depends(frontier_scenario)]

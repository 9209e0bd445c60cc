from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES

from pmo_risk.analytics import service
from pmo_risk.analytics.dependencies import MoneyScopeDep, ScopeDep
from pmo_risk.analytics.schemas import Exposure, Heatmap
from pmo_risk.logic.exposure import MAX_ITERATIONS

router = APIRouter(tags=["analytics"])


@router.get(
    "/heatmap",
    response_model=Heatmap,
    responses=GET_RESPONSES,
    summary="Risk heat map",
    description="Open risks (threats and opportunities) counted per probability × impact cell. `residual` "
    "places a risk by its latest residual assessment, or by its inherent score when it has none. Scope: "
    "`portfolio_id` and/or `project_id` (none: every portfolio); an unknown one is a 404, a project of "
    "another portfolio a 422. Every reader role.",
)
async def get_heatmap(
    session: SessionDep,
    _: Reader,
    scope: ScopeDep,
    basis: Literal["inherent", "residual"] = "inherent",
) -> Heatmap:
    return await service.heatmap(
        session, portfolio_id=scope.portfolio_id, project_id=scope.project_id, basis=basis
    )


@router.get(
    "/exposure",
    response_model=Exposure,
    responses=GET_RESPONSES,
    summary="Cost exposure (Monte Carlo)",
    description="Over the open threats in scope: each occurs with its inherent probability % from its "
    "portfolio's matrix and then costs a draw from the triangular distribution (min, most_likely, max) of "
    "its cost impact. Returns the mean, P50, P80 and P95 of the total cost (positive amounts, a loss), and "
    "`emv_total`, the signed sum of the threats' EMV (negative), in the portfolio's `currency`. The same "
    "`seed` gives the same result. A portfolio_id or project_id is required (amounts are never added across "
    "currencies); an unknown one is a 404. Every reader role.",
)
async def get_exposure(
    session: SessionDep,
    _: Reader,
    scope: MoneyScopeDep,
    iterations: Annotated[
        int, Query(ge=1, le=MAX_ITERATIONS, description=f"Monte Carlo iterations, 1–{MAX_ITERATIONS}.")
    ] = 10_000,
    seed: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="Random seed; random when omitted.")
    ] = None,
) -> Exposure:
    return await service.exposure(session, scope, iterations=iterations, seed=seed)

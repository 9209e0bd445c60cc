from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES

from pmo_portfolio.portfolios.dependencies import PortfolioDep
from pmo_portfolio.ranking import service
from pmo_portfolio.ranking.schemas import Ranking

router = APIRouter(prefix="/portfolios/{portfolio_id}/ranking", tags=["ranking"])


@router.get("", response_model=Ranking, responses=GET_RESPONSES, summary="Rank a portfolio's projects")
async def get_ranking(
    portfolio: PortfolioDep,
    session: SessionDep,
    _: Reader,
    method: Annotated[
        Literal["weighted", "wsjf"], Query(description="`weighted` (the default) or `wsjf`.")
    ] = "weighted",
) -> Ranking:
    """The portfolio's projects in proposal, approved, on_hold and in_progress, best first, worked out
    now from their scores (closed, cancelled and rejected projects are not ranked).

    `weighted`: 100 × Σ weight × normalised score over the portfolio's criteria, 0–100: each score is
    placed in its criterion's range (the low end best for `lower_is_better`) and the weights are
    normalised to sum 1; an unscored criterion contributes 0, and `breakdown` gives each criterion's
    contribution. `wsjf`: (business_value + time_criticality + risk_reduction) / job_size; projects
    without `wsjf` data are listed last with `score: null` and an empty breakdown. Ties are ordered by
    project code. The whole ranking is one page. An unknown portfolio is a 404. Every reader role."""
    return Ranking(items=await service.rank(session, portfolio.id, method))

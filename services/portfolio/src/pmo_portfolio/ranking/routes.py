from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pmo_common.auth import Reader
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES

from pmo_portfolio.portfolios.dependencies import PortfolioDep
from pmo_portfolio.ranking import service
from pmo_portfolio.ranking.schemas import Ranking

router = APIRouter(prefix="/portfolios/{portfolio_id}/ranking", tags=["ranking"])


@router.get("", response_model=Ranking, responses=GET_RESPONSES)
async def get_ranking(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, method: Literal["weighted", "wsjf"] = "weighted"
) -> Ranking:
    """The portfolio's projects in proposal, approved, on_hold and in_progress, best first.

    `weighted`: the weighted score (0–100) over the portfolio's criteria; an unscored criterion contributes 0.
    `wsjf`: (business_value + time_criticality + risk_reduction) / job_size; projects without `wsjf` data
    are listed last with `score: null` and an empty breakdown. Ties are ordered by project code."""
    return Ranking(items=await service.rank(session, portfolio.id, method))

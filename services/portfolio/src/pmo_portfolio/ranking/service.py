"""Ranking of a portfolio's active projects by weighted score or WSJF."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.criteria import repository as criteria_repository
from pmo_portfolio.criteria import service as criteria_service
from pmo_portfolio.criteria.models import Criterion
from pmo_portfolio.logic import scoring
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.projects.models import Project
from pmo_portfolio.ranking.schemas import RankingItem

# Projects still competing for (or holding) resources; closed, cancelled and rejected ones are not ranked.
ACTIVE_STAGES = ("proposal", "approved", "on_hold", "in_progress")


def logic_criteria(
    criteria: Sequence[Criterion], weights: Mapping[str, float] | None = None
) -> list[scoring.Criterion]:
    """The portfolio's criteria as scoring inputs; `weights` (a scenario's override) replaces the stored
    weights, criteria it does not name weighing 0."""
    if weights is None:
        return [criteria_service.as_logic(c) for c in criteria]
    return [criteria_service.as_logic(c, weights.get(str(c.id), 0.0)) for c in criteria]


def weighted(project: Project, criteria: Sequence[scoring.Criterion]) -> tuple[float, dict[str, float]]:
    if not criteria:
        return 0.0, {}
    return scoring.weighted_score(project.scores, criteria)


def _wsjf(project: Project) -> float | None:
    if not project.wsjf:
        return None
    return scoring.wsjf(**project.wsjf)


async def rank(session: AsyncSession, portfolio_id: uuid.UUID, method: str) -> list[RankingItem]:
    projects = await project_repository.in_stages(session, portfolio_id, ACTIVE_STAGES)
    scored: list[tuple[Project, float | None, dict[str, float]]] = []
    if method == "wsjf":
        scored = [(p, _wsjf(p), dict(p.wsjf or {})) for p in projects]
    else:
        criteria = logic_criteria(await criteria_repository.in_portfolio(session, portfolio_id))
        scored = [(p, *weighted(p, criteria)) for p in projects]
    # Highest score first, projects without a score last, ties broken by code for a stable order.
    scored.sort(key=lambda t: (t[1] is None, -(t[1] or 0.0), t[0].code))
    return [
        RankingItem(project_id=p.id, code=p.code, rank=i, score=score, breakdown=breakdown)
        for i, (p, score, breakdown) in enumerate(scored, start=1)
    ]

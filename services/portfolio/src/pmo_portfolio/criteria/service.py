"""Scoring criteria rules, including AHP weighting. Never commits."""

from __future__ import annotations

import uuid

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.errors import Conflict, Unprocessable, field_errors, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.criteria import repository
from pmo_portfolio.criteria.models import Criterion
from pmo_portfolio.criteria.schemas import (
    AhpRequest,
    AhpResponse,
    CriterionCreate,
    CriterionFields,
    CriterionRead,
    CriterionUpdate,
)
from pmo_portfolio.logic import scoring
from pmo_portfolio.logic.ahp import CONSISTENCY_THRESHOLD, AhpMatrixError, ahp_weights
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.projects import service as project_service
from pmo_portfolio.validation import revalidate

# A portfolio's own scoring configuration: audited, but announced by no event of the catalogue.
CRITERIA = Aggregate[Criterion]("criterion", read=CriterionRead.model_validate)


def read(criterion: Criterion) -> CriterionRead:
    return CriterionRead.model_validate(criterion)


def as_logic(criterion: Criterion, weight: float | None = None) -> scoring.Criterion:
    return scoring.Criterion(
        id=str(criterion.id),
        weight=criterion.weight if weight is None else weight,
        min_score=criterion.min_score,
        max_score=criterion.max_score,
        higher_is_better=criterion.direction == "higher_is_better",
    )


async def _check_name(
    session: AsyncSession, portfolio_id: uuid.UUID, name: str, exclude_id: uuid.UUID | None = None
) -> None:
    if await repository.name_taken(session, portfolio_id, name, exclude_id):
        raise Conflict(f"The portfolio already has a criterion named {name!r}.")


async def create(
    session: AsyncSession, portfolio: Portfolio, body: CriterionCreate, principal: Principal
) -> Criterion:
    await _check_name(session, portfolio.id, body.name)
    criterion = Criterion(id=uuid.uuid4(), portfolio_id=portfolio.id, **body.model_dump())
    await CRITERIA.create(session, criterion, principal, None)
    return criterion


async def _check_scores_in_range(
    session: AsyncSession, criterion: Criterion, low: float, high: float
) -> None:
    key = str(criterion.id)
    outside = [
        p.code
        for p in await project_repository.in_portfolio(session, criterion.portfolio_id)
        if key in p.scores and not low <= p.scores[key] <= high
    ]
    if outside:
        raise Conflict(
            f"Projects {', '.join(outside)} have scores for {criterion.name!r} outside {low:g}..{high:g}; "
            "rescore them first."
        )


async def update(
    session: AsyncSession, criterion: Criterion, body: CriterionUpdate, principal: Principal
) -> Criterion:
    changes = body.model_dump(exclude_unset=True)
    current = {k: getattr(criterion, k) for k in CriterionFields.model_fields}
    merged = revalidate(CriterionFields, {**current, **changes})  # re-checks min < max
    values = {k: getattr(merged, k) for k in changes if getattr(criterion, k) != getattr(merged, k)}
    if "name" in values:
        await _check_name(session, criterion.portfolio_id, merged.name, criterion.id)
    if "min_score" in values or "max_score" in values:
        await _check_scores_in_range(session, criterion, merged.min_score, merged.max_score)
    await CRITERIA.update(session, criterion, principal, values, None)
    return criterion


async def delete(session: AsyncSession, criterion: Criterion, principal: Principal) -> None:
    """Deleting a criterion drops its scores from every project (each such project is updated)."""
    key = str(criterion.id)
    for project in await project_repository.in_portfolio(session, criterion.portfolio_id):
        if key in project.scores:
            remaining = {k: v for k, v in project.scores.items() if k != key}
            await project_service.replace_scores(
                session, project, remaining, principal, action="criterion_deleted"
            )
    await CRITERIA.delete(session, criterion, principal, None)


async def ahp(
    session: AsyncSession, portfolio: Portfolio, body: AhpRequest, principal: Principal
) -> AhpResponse:
    if len(set(body.criteria)) != len(body.criteria):
        raise invalid("criteria", "lists a criterion more than once")
    by_id = {c.id: c for c in await repository.in_portfolio(session, portfolio.id)}
    for i, criterion_id in enumerate(body.criteria):
        if criterion_id not in by_id:
            raise invalid(f"criteria.{i}", f"{criterion_id} is not a criterion of this portfolio")
    if len(body.matrix) != len(body.criteria):
        raise invalid("matrix", f"has {len(body.matrix)} rows but {len(body.criteria)} criteria are compared")
    try:
        result = ahp_weights(body.matrix)
    except AhpMatrixError as exc:
        raise invalid("matrix", str(exc)) from None
    weights = {str(cid): w for cid, w in zip(body.criteria, result.weights, strict=True)}
    if body.apply:
        if not result.consistent:
            message = (
                f"consistency ratio {result.consistency_ratio:.3f} is above {CONSISTENCY_THRESHOLD}: "
                "the judgements are too inconsistent to apply; revise the matrix"
            )
            raise Unprocessable(
                f"matrix: {message}",
                errors=field_errors([("matrix", message)]),
                extra={"consistency_ratio": result.consistency_ratio},
            )
        for criterion_id, weight in zip(body.criteria, result.weights, strict=True):
            await CRITERIA.update(
                session,
                by_id[criterion_id],
                principal,
                {"weight": weight},
                None,
                action="ahp_weights_applied",
            )
    return AhpResponse(
        weights=weights,
        lambda_max=result.lambda_max,
        consistency_index=result.consistency_index,
        consistency_ratio=result.consistency_ratio,
        consistent=result.consistent,
        applied=body.apply,
    )

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, DELETE_RESPONSES, GET_RESPONSES, PATCH_RESPONSES

from pmo_portfolio.criteria import repository, service
from pmo_portfolio.criteria.dependencies import CriterionDep
from pmo_portfolio.criteria.schemas import (
    AhpRequest,
    AhpResponse,
    CriterionCreate,
    CriterionRead,
    CriterionUpdate,
)
from pmo_portfolio.portfolios.dependencies import PortfolioDep

router = APIRouter(prefix="/portfolios/{portfolio_id}/criteria", tags=["criteria"])

WRITERS = "Written by admin and pmo; read by every reader role."


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CriterionRead,
    responses=GET_RESPONSES | CREATE_RESPONSES,
    summary="Add a scoring criterion",
    description="A criterion projects are scored on (`PUT /projects/{id}/scores`) and ranked by: `weight` "
    "is relative (the weighted score normalises the weights of all the portfolio's criteria), scores lie "
    "in `min_score`..`max_score` (default 0–10; `min_score` must be below `max_score`) and `direction` "
    "says which end is good (`lower_is_better` for a risk or a cost). `name` is unique in the portfolio "
    "(409). Audited, announced by no event. Answers 201 with `Location` and `ETag`; honours "
    f"`Idempotency-Key`. An unknown portfolio is a 404. {WRITERS}",
)
async def create_criterion(
    body: CriterionCreate,
    portfolio: PortfolioDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> CriterionRead:
    criterion = await service.create(session, portfolio, body, principal)
    set_etag(response, criterion.version)
    set_location(request, response, "portfolios", portfolio.id, "criteria", criterion.id)
    return service.read(criterion)


@router.get(
    "",
    response_model=Page[CriterionRead],
    responses=GET_RESPONSES,
    summary="List a portfolio's criteria",
    description="The portfolio's scoring criteria in creation order, a page at a time (`limit`, `cursor`). "
    "Their ids are the keys of a project's `scores`, of a ranking's `breakdown` and of a scenario's "
    "`weights`. An unknown portfolio is a 404. Every reader role.",
)
async def list_criteria(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[CriterionRead]:
    rows, next_cursor = await repository.list_page(session, portfolio.id, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/ahp",
    response_model=AhpResponse,
    responses=GET_RESPONSES,
    summary="Weigh criteria by pairwise comparison (AHP)",
    description="The Analytic Hierarchy Process: `matrix[i][j]` says how much more important "
    "`criteria[i]` is than `criteria[j]` on Saaty's 1–9 scale (1 equal, 3 moderately, 5 strongly, 7 very "
    "strongly, 9 extremely more important), with 1 on the diagonal and `matrix[j][i] = 1 / matrix[i][j]` "
    "(exactly: 0.5 for 2, 0.2 for 5). Answers the principal-eigenvector `weights` (summing to 1), "
    "`lambda_max`, the consistency index and ratio; `consistent` is `consistency_ratio <= 0.10`. With "
    "`apply: false` nothing is stored — try a matrix first; `apply: true` writes the weights onto the "
    "criteria, and is a 422 naming `matrix` (with the `consistency_ratio`) when the judgements are too "
    "inconsistent. 2 to 15 criteria of this portfolio, each once (422 naming `criteria` or `criteria.<i>`); "
    "a matrix that is not square, not reciprocal or has a diagonal other than 1 is a 422 naming `matrix`. "
    "Criteria not compared keep their weights. Admin and pmo.",
)
async def ahp_weights(
    body: AhpRequest, portfolio: PortfolioDep, session: SessionDep, principal: PortfolioWriter
) -> AhpResponse:
    return await service.ahp(session, portfolio, body, principal)


@router.get(
    "/{criterion_id}",
    response_model=CriterionRead,
    responses=GET_RESPONSES,
    summary="Get a criterion",
    description="One criterion of the portfolio, with its `ETag` (what `PATCH` and `DELETE` send as "
    "`If-Match`). A criterion of another portfolio is a 404, as is an unknown id. Every reader role.",
)
async def get_criterion(criterion: CriterionDep, response: Response, _: Reader) -> CriterionRead:
    set_etag(response, criterion.version)
    return service.read(criterion)


@router.patch(
    "/{criterion_id}",
    response_model=CriterionRead,
    responses=PATCH_RESPONSES,
    summary="Change a criterion",
    description="Any subset of `name`, `weight`, `min_score`, `max_score`, `direction`; omitting a field "
    "keeps it. The bounds are checked with the stored ones (`min_score` below `max_score`, else a 422); "
    "bounds that would leave a project's score outside them are a 409 naming the projects (rescore them "
    "first), as is a name already used in the portfolio. Needs `If-Match` (428 without, 412 when stale). "
    f"Rankings and new scenarios use the change at once. {WRITERS}",
)
async def update_criterion(
    body: CriterionUpdate,
    criterion: CriterionDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> CriterionRead:
    check_if_match(request, criterion.version, required=True)
    criterion = await service.update(session, criterion, body, principal)
    set_etag(response, criterion.version)
    return service.read(criterion)


@router.delete(
    "/{criterion_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete a criterion",
)
async def delete_criterion(
    criterion: CriterionDep, session: SessionDep, request: Request, principal: PortfolioWriter
) -> None:
    """Removes the criterion and its score from every project of the portfolio (each such project's
    version goes up and it publishes `project.updated` naming `scores`). Needs `If-Match` (428 without,
    412 when stale). Admin and pmo."""
    check_if_match(request, criterion.version, required=True)
    await service.delete(session, criterion, principal)

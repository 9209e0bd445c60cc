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


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CriterionRead,
    responses=GET_RESPONSES | CREATE_RESPONSES,
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


@router.get("", response_model=Page[CriterionRead], responses=GET_RESPONSES)
async def list_criteria(
    portfolio: PortfolioDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[CriterionRead]:
    rows, next_cursor = await repository.list_page(session, portfolio.id, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/ahp",
    response_model=AhpResponse,
    responses=GET_RESPONSES,
    summary="Weights from a Saaty pairwise comparison matrix (AHP); `apply` stores them",
)
async def ahp_weights(
    body: AhpRequest, portfolio: PortfolioDep, session: SessionDep, principal: PortfolioWriter
) -> AhpResponse:
    return await service.ahp(session, portfolio, body, principal)


@router.get("/{criterion_id}", response_model=CriterionRead, responses=GET_RESPONSES)
async def get_criterion(criterion: CriterionDep, response: Response, _: Reader) -> CriterionRead:
    set_etag(response, criterion.version)
    return service.read(criterion)


@router.patch("/{criterion_id}", response_model=CriterionRead, responses=PATCH_RESPONSES)
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


@router.delete("/{criterion_id}", status_code=status.HTTP_204_NO_CONTENT, responses=DELETE_RESPONSES)
async def delete_criterion(
    criterion: CriterionDep, session: SessionDep, request: Request, principal: PortfolioWriter
) -> None:
    check_if_match(request, criterion.version, required=True)
    await service.delete(session, criterion, principal)

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, DELETE_RESPONSES, GET_RESPONSES, PATCH_RESPONSES

from pmo_portfolio.portfolios import repository, service
from pmo_portfolio.portfolios.dependencies import PortfolioDep
from pmo_portfolio.portfolios.schemas import PortfolioCreate, PortfolioRead, PortfolioUpdate

router = APIRouter(prefix="/portfolios", tags=["portfolios"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=PortfolioRead, responses=CREATE_RESPONSES
)
async def create_portfolio(
    body: PortfolioCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> PortfolioRead:
    portfolio = await service.create(session, body, principal)
    set_etag(response, portfolio.version)
    set_location(request, response, "portfolios", portfolio.id)
    return service.read(portfolio)


@router.get("", response_model=Page[PortfolioRead])
async def list_portfolios(
    session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[PortfolioRead]:
    rows, next_cursor = await repository.list_page(session, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get("/{portfolio_id}", response_model=PortfolioRead, responses=GET_RESPONSES)
async def get_portfolio(portfolio: PortfolioDep, response: Response, _: Reader) -> PortfolioRead:
    set_etag(response, portfolio.version)
    return service.read(portfolio)


@router.patch("/{portfolio_id}", response_model=PortfolioRead, responses=PATCH_RESPONSES)
async def update_portfolio(
    body: PortfolioUpdate,
    portfolio: PortfolioDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> PortfolioRead:
    check_if_match(request, portfolio.version, required=True)
    portfolio = await service.update(session, portfolio, body, principal)
    set_etag(response, portfolio.version)
    return service.read(portfolio)


@router.delete("/{portfolio_id}", status_code=status.HTTP_204_NO_CONTENT, responses=DELETE_RESPONSES)
async def delete_portfolio(
    portfolio: PortfolioDep, session: SessionDep, request: Request, principal: PortfolioWriter
) -> None:
    """409 while the portfolio has projects; its criteria and scenarios are deleted with it."""
    check_if_match(request, portfolio.version, required=True)
    await service.delete(session, portfolio, principal)

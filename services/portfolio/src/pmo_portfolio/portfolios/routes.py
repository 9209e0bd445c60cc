from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import (
    CREATE_RESPONSES,
    DELETE_RESPONSES,
    GET_RESPONSES,
    PATCH_RESPONSES,
    PUT_RESPONSES,
)

from pmo_portfolio.portfolios import repository, service
from pmo_portfolio.portfolios.dependencies import PortfolioDep, PortfolioReadDep
from pmo_portfolio.portfolios.schemas import (
    FieldDefinitionBody,
    FieldDefinitionsIn,
    FieldDefinitionsRead,
    PortfolioCreate,
    PortfolioRead,
    PortfolioUpdate,
)

router = APIRouter(prefix="/portfolios", tags=["portfolios"])

WRITERS = "Written by admin and pmo; read by every reader role."


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PortfolioRead,
    responses=CREATE_RESPONSES,
    summary="Create a portfolio",
    description="A portfolio is a budget in one ISO 4217 `currency` for a set of projects: every amount of "
    "its projects, baselines and scenarios is in that currency. `budget` is a decimal string "
    '(`"5000000.00"`, never a float); `end_date` before `start_date` is a 422. It starts without '
    "criteria, custom fields or gate criteria: add them with the operations under "
    "`/portfolios/{portfolio_id}`. Publishes `portfolio.created`; answers 201 with `Location` and `ETag`; "
    f"honours `Idempotency-Key`. {WRITERS}",
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


@router.get(
    "",
    response_model=Page[PortfolioRead],
    summary="List portfolios",
    description="Every portfolio, oldest first, a page at a time: pass `next_cursor` back as `cursor` "
    "(`limit` 1–500, default 50); `next_cursor` is null on the last page. Every reader role.",
)
async def list_portfolios(
    session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[PortfolioRead]:
    rows, next_cursor = await repository.list_page(session, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{portfolio_id}",
    response_model=PortfolioRead,
    responses=GET_RESPONSES,
    summary="Get a portfolio",
    description="The portfolio with its custom field definitions. The `ETag` is what `PATCH`, `DELETE` and "
    "`PUT .../fields` send as `If-Match`. An unknown id is a 404. Every reader role.",
)
async def get_portfolio(portfolio: PortfolioReadDep, response: Response, _: Reader) -> PortfolioRead:
    set_etag(response, portfolio.version)
    return portfolio


@router.patch(
    "/{portfolio_id}",
    response_model=PortfolioRead,
    responses=PATCH_RESPONSES,
    summary="Change a portfolio",
    description="Any subset of `name`, `description`, `currency`, `budget`, `start_date`, `end_date`; "
    "omitting a field keeps it. The dates are checked against the stored ones (422 when `end_date` would "
    "fall before `start_date`). `currency` cannot change while the portfolio has projects (409): their "
    "amounts are in it. Needs `If-Match` (428 without, 412 when stale); publishes `portfolio.updated` "
    f"naming the `changed` fields. Custom fields change with `PUT .../fields`. {WRITERS}",
)
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


@router.delete(
    "/{portfolio_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete a portfolio",
)
async def delete_portfolio(
    portfolio: PortfolioDep, session: SessionDep, request: Request, principal: PortfolioWriter
) -> None:
    """A 409 while the portfolio has projects, programmes or benefits, saying how many: delete or move
    them first. Its criteria, gate criteria, gate policy, scenarios and decision log are deleted with it.
    Needs `If-Match` (428 without, 412 when stale); publishes `portfolio.deleted`. Written by admin and
    pmo."""
    check_if_match(request, portfolio.version, required=True)
    await service.delete(session, portfolio, principal)


@router.get(
    "/{portfolio_id}/fields",
    response_model=FieldDefinitionsRead,
    responses=GET_RESPONSES,
    summary="Get a portfolio's custom project fields",
    description="The definitions `[{key, label, type, choices, required}]` every project of the portfolio "
    "is checked against: a project holds the values as `fields: {key: value}`, `GET /projects` filters by "
    "`field.<key>=<value>` and gate rules read them as `field.<key>`. In the order they were stored; `[]` "
    "before the first `PUT`. The ETag is the portfolio's. Every reader role.",
)
async def get_fields(portfolio: PortfolioDep, response: Response, _: Reader) -> list[FieldDefinitionBody]:
    set_etag(response, portfolio.version)
    return service.read(portfolio).fields


@router.put(
    "/{portfolio_id}/fields",
    response_model=FieldDefinitionsRead,
    responses=PUT_RESPONSES,
    summary="Replace a portfolio's custom project fields",
    description=(
        "pmo or admin. Replaces the whole list (at most 50): `key` is `[a-z][a-z0-9_]{0,39}` and unique, "
        "`type` one of text, number, date, choice, `choices` given for a choice field only; a bad definition "
        "is a 422 naming `body[i].key`, `body[i].type` or `body[i].choices`. A list under which a project of "
        "the portfolio would no longer be valid — a key removed that projects hold a value for, a type "
        "changed, choices narrowed, a field made required that a project lacks — is a 409 listing the "
        "projects (`projects`) and each `fields.<key>` (`errors`): change those projects first. So is a "
        "list that removes or retypes a field a gate criterion reads (`gate_criteria`, errors naming "
        "`gate_criteria.<to_stage>.<key>`): change those criteria first. Honours "
        "`If-Match` (the portfolio's ETag) when sent; a change bumps the portfolio's version and publishes "
        '`portfolio.updated` with `changed: ["fields"]`; the same list again changes nothing.'
    ),
)
async def put_fields(
    body: FieldDefinitionsIn,
    portfolio: PortfolioDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> list[FieldDefinitionBody]:
    check_if_match(request, portfolio.version, required=False)
    portfolio = await service.put_fields(session, portfolio, body, principal)
    set_etag(response, portfolio.version)
    return service.read(portfolio).fields

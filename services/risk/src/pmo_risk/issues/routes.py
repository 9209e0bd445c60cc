from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, GET_RESPONSES, NOT_FOUND, PATCH_RESPONSES, PRECONDITIONS

from pmo_risk.issues import repository, service
from pmo_risk.issues.dependencies import IssueDep
from pmo_risk.issues.schemas import IssueCreate, IssueFilters, IssueRead, IssueUpdate, MaterialiseRequest
from pmo_risk.risks.dependencies import RiskDep

router = APIRouter(tags=["issues"])


@router.post(
    "/issues",
    status_code=status.HTTP_201_CREATED,
    response_model=IssueRead,
    responses=CREATE_RESPONSES,
    summary="Open an issue",
)
async def create_issue(
    body: IssueCreate, session: SessionDep, request: Request, response: Response, principal: ProjectWriter
) -> IssueRead:
    """Something that is going wrong now (a risk that happened: see `POST /risks/{risk_id}/materialise`).
    Publishes `issue.opened`. Same rights as risks: a project's manager, admin or pmo; without
    `project_id`, admin or pmo and `portfolio_id` is required. An unknown project, portfolio or risk (or
    a risk of another project) is a 422 naming the field. Answers 201 with `Location` and `ETag`; honours
    `Idempotency-Key`."""
    issue = await service.create(session, body, principal)
    set_etag(response, issue.version)
    set_location(request, response, "issues", issue.id)
    return IssueRead.model_validate(issue)


@router.get("/issues", response_model=Page[IssueRead], summary="List issues")
async def list_issues(
    session: SessionDep,
    _: Reader,
    filters: Annotated[IssueFilters, Query()],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[IssueRead]:
    """Issues in creation order, a page at a time (`limit`, `cursor`). Filters combine with AND:
    `portfolio_id`, `project_id`, `risk_id` (the issue a risk became), `status`, `priority`. Every
    reader role."""
    rows, next_cursor = await repository.list_page(session, filters, limit, cursor)
    return Page(items=[IssueRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/issues/{issue_id}", response_model=IssueRead, responses=GET_RESPONSES, summary="Get an issue")
async def get_issue(issue: IssueDep, response: Response, _: Reader) -> IssueRead:
    """The issue with its `ETag` (send it as `If-Match` to change it). An unknown id is a 404. Every
    reader role."""
    set_etag(response, issue.version)
    return IssueRead.model_validate(issue)


@router.patch(
    "/issues/{issue_id}", response_model=IssueRead, responses=PATCH_RESPONSES, summary="Change an issue"
)
async def update_issue(
    body: IssueUpdate,
    issue: IssueDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> IssueRead:
    """Any subset of `title`, `description`, `owner`, `priority`, `status` (open, in_progress, resolved,
    closed: any of them at any time); the project and risk are fixed. Needs `If-Match` (428 without, 412
    when stale). Publishes `issue.updated`. Admin, pmo or the project's manager."""
    check_if_match(request, issue.version, required=True)
    issue = await service.update(session, issue, body, principal)
    set_etag(response, issue.version)
    return IssueRead.model_validate(issue)


@router.post(
    "/risks/{risk_id}/materialise",
    status_code=status.HTTP_201_CREATED,
    response_model=IssueRead,
    responses={**NOT_FOUND, **CREATE_RESPONSES, 412: PRECONDITIONS[412]},
    summary="A risk happened: turn it into an issue",
    description="Opens an issue linked to the risk (`risk_id`) and closes the risk, publishing "
    "`issue.opened` and `risk.closed`. A risk that already materialised, or is closed, is a 409. "
    "Honours `If-Match` (the risk's ETag) when sent. The body is optional (overrides of the issue's title, "
    "owner and priority). Admin, pmo or the project's manager.",
)
async def materialise_risk(
    risk: RiskDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
    body: MaterialiseRequest | None = None,
) -> IssueRead:
    check_if_match(request, risk.version, required=False)
    issue = await service.materialise(session, risk, body or MaterialiseRequest(), principal)
    set_etag(response, issue.version)
    set_location(request, response, "issues", issue.id)
    return IssueRead.model_validate(issue)

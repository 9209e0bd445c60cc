from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, DELETE_RESPONSES, GET_RESPONSES, NOT_FOUND, PATCH_RESPONSES

from pmo_risk.risks import repository, responses, service
from pmo_risk.risks.dependencies import ResponseDep, RiskDep
from pmo_risk.risks.schemas import (
    AssessmentCreate,
    AssessmentRead,
    OverdueFilters,
    ResponseCreate,
    ResponseRead,
    ResponseUpdate,
    RiskCreate,
    RiskFilters,
    RiskRead,
    RiskUpdate,
)

router = APIRouter(tags=["risks"])
RESPONSES_TAG: list[str | Enum] = ["responses"]


@router.post(
    "/risks",
    status_code=status.HTTP_201_CREATED,
    response_model=RiskRead,
    responses=CREATE_RESPONSES,
    summary="Raise a risk or opportunity",
    description="Scores the risk against its portfolio's matrix (`score`, `level`, `emv`, `escalated`), "
    "records the initial inherent assessment and publishes `risk.raised` (and `risk.escalated` when it "
    "starts at or above the escalation score). A project's risk needs admin, pmo or the project's manager; "
    "a portfolio-level risk (no `project_id`) needs admin or pmo. An unknown project is a 422 naming "
    "`project_id`. Answers 201 with `Location` and `ETag`; honours `Idempotency-Key`.",
)
async def create_risk(
    body: RiskCreate, session: SessionDep, request: Request, response: Response, principal: ProjectWriter
) -> RiskRead:
    risk = await service.create(session, body, principal)
    set_etag(response, risk.version)
    set_location(request, response, "risks", risk.id)
    return RiskRead.model_validate(risk)


@router.get(
    "/risks",
    response_model=Page[RiskRead],
    summary="List risks",
    description="Threats and opportunities, a page at a time (`limit`, `cursor`). Filters combine with AND: "
    "`portfolio_id`, `project_id`, `status`, `level`, `owner`. Default order: creation; `sort=-score` "
    "highest score first, `sort=score` lowest first (ties in creation order). Every reader role.",
)
async def list_risks(
    session: SessionDep,
    _: Reader,
    filters: Annotated[RiskFilters, Query()],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RiskRead]:
    rows, next_cursor = await repository.list_page(session, filters, limit, cursor)
    return Page(items=[RiskRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/risks/{risk_id}", response_model=RiskRead, responses=GET_RESPONSES, summary="Get a risk")
async def get_risk(risk: RiskDep, response: Response, _: Reader) -> RiskRead:
    """The risk with its current scores; the `ETag` is what `PATCH` and `DELETE` send as `If-Match`.
    An unknown id is a 404. Every reader role."""
    set_etag(response, risk.version)
    return RiskRead.model_validate(risk)


@router.patch(
    "/risks/{risk_id}",
    response_model=RiskRead,
    responses=PATCH_RESPONSES,
    summary="Change a risk",
    description="Any subset of the fields; omitting a field keeps it, `null` clears an optional one. Needs "
    "`If-Match` (428 without, 412 when stale). Publishes `risk.updated`; setting `status` to closed "
    "publishes `risk.closed` instead; a change that makes the current score cross the escalation score "
    "also publishes `risk.escalated`/`risk.deescalated`. Admin, pmo or the project's manager.",
)
async def update_risk(
    body: RiskUpdate,
    risk: RiskDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> RiskRead:
    check_if_match(request, risk.version, required=True)
    risk = await service.update(session, risk, body, principal)
    set_etag(response, risk.version)
    return RiskRead.model_validate(risk)


@router.delete(
    "/risks/{risk_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete a risk",
)
async def delete_risk(risk: RiskDep, session: SessionDep, request: Request, principal: ProjectWriter) -> None:
    """Deletes the risk with its assessments and responses; publishes `risk.closed` with `deleted: true`
    and, for each response, `response.updated` with `deleted: true`. Needs `If-Match`. Admin, pmo or
    the project's manager. To record that a risk happened, materialise it instead."""
    check_if_match(request, risk.version, required=True)
    await service.delete(session, risk, principal)


@router.post(
    "/risks/{risk_id}/assessments",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRead,
    responses={**NOT_FOUND, **CREATE_RESPONSES},
    summary="Assess a risk",
    description="`inherent` sets the risk's probability and impact; `residual` sets its `residual` (the "
    "score after responses), which then decides escalation. Bumps the risk's version (its new `ETag` is "
    "returned) and publishes `risk.updated`, plus `risk.escalated`/`risk.deescalated` on a crossing. A "
    "closed risk is a 409. Admin, pmo or the project's manager.",
)
async def assess_risk(
    body: AssessmentCreate, risk: RiskDep, session: SessionDep, response: Response, principal: ProjectWriter
) -> AssessmentRead:
    assessment = await service.assess(session, risk, body, principal)
    set_etag(response, risk.version)
    return AssessmentRead.model_validate(assessment)


@router.get(
    "/risks/{risk_id}/assessments",
    response_model=Page[AssessmentRead],
    responses=NOT_FOUND,
    summary="A risk's assessments",
)
async def list_assessments(
    risk: RiskDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[AssessmentRead]:
    """The risk's scoring history, oldest first (creation records the initial inherent assessment),
    a page at a time. An unknown risk is a 404. Every reader role."""
    rows, next_cursor = await repository.assessments_page(session, risk.id, limit, cursor)
    return Page(items=[AssessmentRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/risks/{risk_id}/responses",
    status_code=status.HTTP_201_CREATED,
    response_model=ResponseRead,
    responses={**NOT_FOUND, **CREATE_RESPONSES},
    tags=RESPONSES_TAG,
    summary="Plan a response to a risk",
    description="What will be done about the risk: threats take avoid, reduce, transfer, accept or escalate; "
    "opportunities exploit, enhance, share, accept or escalate — a strategy that does not fit the risk's "
    "kind is a 422 naming `strategy`. Publishes `response.created`. An unknown risk is a 404. Admin, pmo or "
    "the project's manager; honours `Idempotency-Key`.",
)
async def create_response(
    body: ResponseCreate,
    risk: RiskDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> ResponseRead:
    created = await responses.add_response(session, risk, body, principal)
    set_etag(response, created.version)
    set_location(request, response, "risks", risk.id, "responses", created.id)
    return ResponseRead.model_validate(created)


@router.get(
    "/risks/{risk_id}/responses",
    response_model=Page[ResponseRead],
    responses=NOT_FOUND,
    tags=RESPONSES_TAG,
    summary="A risk's responses",
)
async def list_responses(
    risk: RiskDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[ResponseRead]:
    """The responses planned for the risk, in creation order, a page at a time. An unknown risk is a
    404. Every reader role."""
    rows, next_cursor = await repository.responses_page(session, risk.id, limit, cursor)
    return Page(items=[ResponseRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/risks/{risk_id}/responses/{response_id}",
    response_model=ResponseRead,
    responses=GET_RESPONSES,
    tags=RESPONSES_TAG,
    summary="Get a response",
)
async def get_response(risk_response: ResponseDep, response: Response, _: Reader) -> ResponseRead:
    """One response of the risk, with its `ETag`. A risk or response that does not exist (or a
    response of another risk) is a 404. Every reader role."""
    set_etag(response, risk_response.version)
    return ResponseRead.model_validate(risk_response)


@router.patch(
    "/risks/{risk_id}/responses/{response_id}",
    response_model=ResponseRead,
    responses=PATCH_RESPONSES,
    tags=RESPONSES_TAG,
    summary="Change a response",
    description="Any subset of the fields (`status` to `done` when it is carried out). Needs `If-Match` "
    "(428 without, 412 when stale). A strategy that does not fit the risk's kind is a 422 naming "
    "`strategy`. Publishes `response.updated`. Admin, pmo or the project's manager.",
)
async def update_response(
    body: ResponseUpdate,
    risk: RiskDep,
    risk_response: ResponseDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> ResponseRead:
    check_if_match(request, risk_response.version, required=True)
    updated = await responses.update_response(session, risk, risk_response, body, principal)
    set_etag(response, updated.version)
    return ResponseRead.model_validate(updated)


@router.get(
    "/responses/overdue",
    response_model=Page[ResponseRead],
    tags=RESPONSES_TAG,
    summary="Overdue responses",
    description="Responses of open risks that are not done and whose `due_date` is before `as_of` "
    "(default today, UTC), earliest due first, a page at a time. Filters combine with AND: "
    "`portfolio_id`, `project_id`, `owner`. Every reader role.",
)
async def list_overdue_responses(
    session: SessionDep,
    _: Reader,
    filters: Annotated[OverdueFilters, Query()],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ResponseRead]:
    rows, next_cursor = await responses.overdue(session, filters, limit, cursor)
    return Page(items=[ResponseRead.model_validate(r) for r in rows], next_cursor=next_cursor)

"""The action register (contract §7.6): `/actions`. Thin: rules live in `actions.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import CREATE_RESPONSES, DELETE_RESPONSES, GET_RESPONSES, PATCH_RESPONSES

from pmo_portfolio.actions import repository, rules, service
from pmo_portfolio.actions.dependencies import ActionDep
from pmo_portfolio.actions.schemas import ActionCreate, ActionFilters, ActionRead, ActionUpdate

router = APIRouter(prefix="/actions", tags=["actions"])

WRITERS = (
    "Written by admin and pmo, and by a project manager for the actions of projects they manage "
    "(portfolio-level actions, without `project_id`, by admin and pmo only)."
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ActionRead,
    responses=CREATE_RESPONSES,
    summary="Add an action to the register",
    description=(
        "Something someone must do by a date, e.g. "
        '`{"project_id": "…", "title": "Sign the hosting contract", "owner": "olga", '
        '"due_date": "2026-12-18"}`. A project\'s action belongs to the project\'s portfolio: a '
        "`portfolio_id` that differs is a 422 naming `project_id`; without `project_id`, `portfolio_id` is "
        "required. `source` says where it comes from (a meeting, a decision, …). Publishes "
        "`action.created`, and once its due date passes while it is open, `action.overdue` (at once for "
        "an action created already past its due date). Answers 201 with `Location` and `ETag`; honours "
        f"`Idempotency-Key`. {WRITERS}"
    ),
)
async def create_action(
    body: ActionCreate, session: SessionDep, request: Request, response: Response, principal: ProjectWriter
) -> ActionRead:
    action = await service.create(session, body, principal)
    set_etag(response, action.version)
    set_location(request, response, "actions", action.id)
    return service.read(action)


@router.get(
    "",
    response_model=Page[ActionRead],
    summary="List the action register",
    description=(
        "Every action — written here, or taken from submitted status reports and risk responses — "
        "oldest first, a page at a time (`limit`, `cursor`), e.g. `GET /actions?portfolio_id=…&overdue=true` "
        "for what is late or `?owner=olga&due_before=2027-04-01`. Filters combine with AND: `portfolio_id`, "
        "`project_id`, `owner`, `status`, `overdue`, `due_before`; `overdue` is judged as of today (UTC). "
        "An unknown parameter is a 422 naming it. Every reader role."
    ),
)
async def list_actions(
    session: SessionDep,
    _: Reader,
    filters: Annotated[ActionFilters, Query()],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ActionRead]:
    rows, next_cursor = await repository.list_page(
        session, filters, rules.today(), limit=limit, cursor=cursor
    )
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{action_id}",
    response_model=ActionRead,
    responses=GET_RESPONSES,
    summary="Get an action",
    description="The action with `overdue` (past `due_date` as of today, UTC, and neither done nor "
    "cancelled), `closed_at` and its `ETag` (what `PATCH` and `DELETE` send as `If-Match`). An unknown id "
    "is a 404. Every reader role.",
)
async def get_action(action: ActionDep, response: Response, _: Reader) -> ActionRead:
    set_etag(response, action.version)
    return service.read(action)


@router.patch(
    "/{action_id}",
    response_model=ActionRead,
    responses=PATCH_RESPONSES,
    summary="Change an action",
    description=(
        'Any subset of the fields, e.g. `{"status": "done"}` (sets `closed_at`; reopening clears it) or '
        '`{"due_date": "2027-01-15"}` (a new due date is crossed anew; one already past publishes '
        "`action.overdue` at once); omitting a field keeps it, `null` is refused for `title`, "
        "`description` and `status`. Needs `If-Match` (428 without, 412 when stale); publishes "
        "`action.updated`. An action taken from a risk response follows that response: its next change "
        f"overwrites what it drives. {WRITERS}"
    ),
)
async def update_action(
    body: ActionUpdate,
    action: ActionDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> ActionRead:
    check_if_match(request, action.version, required=True)
    action = await service.update(session, action, body, principal)
    set_etag(response, action.version)
    return service.read(action)


@router.delete(
    "/{action_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete an action",
    description="Removes the action from the register. Needs `If-Match` (428 without, 412 when stale); "
    f"publishes `action.updated` with `deleted: true`. {WRITERS}",
)
async def delete_action(
    action: ActionDep, session: SessionDep, request: Request, principal: ProjectWriter
) -> None:
    check_if_match(request, action.version, required=True)
    await service.delete(session, action, principal)

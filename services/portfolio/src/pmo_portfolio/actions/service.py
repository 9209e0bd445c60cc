"""Action register rules: who writes, where an action belongs, `closed_at`, and the events of each
change — `action.created`, `action.updated` (deleted: `deleted=true`, version + 1) and
`action.overdue` once per crossing of the due date. A write that creates an action or moves it into
the past announces the crossing itself, in the same transaction (so it is never late); the sweep
(`actions.sweep`) announces those that cross while nobody writes. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ActionCreated, ActionOverdue, ActionUpdated, Event
from pmo_common.db import utcnow
from pmo_common.errors import Forbidden, invalid
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from pmo_portfolio.actions import rules
from pmo_portfolio.actions.models import Action
from pmo_portfolio.actions.schemas import ActionCreate, ActionRead, ActionSourceIn, ActionUpdate
from pmo_portfolio.portfolios import repository as portfolio_repository
from pmo_portfolio.projects import repository as project_repository

ACTIONS = Aggregate[Action]("action", read=ActionRead.model_validate)
SWEEPER = Principal(sub="system:overdue-sweep", roles=frozenset())


def read(action: Action) -> ActionRead:
    return ActionRead.model_validate(action)


def _source_columns(source: ActionSourceIn | None) -> dict[str, Any]:
    return {
        "source_type": None if source is None else source.type,
        "source_id": None if source is None else source.id,
    }


async def _scope(
    session: AsyncSession, principal: Principal, portfolio_id: uuid.UUID | None, project_id: uuid.UUID | None
) -> uuid.UUID:
    """Check where the action goes and that the principal may write there; returns its portfolio.
    A project's actions belong to the project's portfolio; portfolio-level ones need admin or pmo."""
    if project_id is None:
        if portfolio_id is None:
            raise invalid("portfolio_id", "required for an action without project_id")
        if not principal.is_privileged:
            raise Forbidden("A portfolio-level action (no project_id) is written only by admin or pmo.")
        if await portfolio_repository.get(session, portfolio_id) is None:
            raise invalid("portfolio_id", f"no portfolio with id {portfolio_id}")
        return portfolio_id
    project = await project_repository.get(session, project_id)
    if project is None:
        raise invalid("project_id", f"no project with id {project_id}")
    ensure_can_write_project(principal, project.manager, what="action")
    if portfolio_id is not None and project.portfolio_id != portfolio_id:
        raise invalid(
            "project_id",
            f"project {project_id} belongs to portfolio {project.portfolio_id}, not {portfolio_id}",
        )
    return project.portfolio_id


async def _ensure_can_write(session: AsyncSession, principal: Principal, action: Action) -> None:
    """Admins and the PMO write every action; a project manager those of the projects they manage."""
    if principal.is_privileged:
        return
    if action.project_id is None:
        raise Forbidden("A portfolio-level action (no project_id) is written only by admin or pmo.")
    project = await project_repository.get(session, action.project_id)
    ensure_can_write_project(principal, None if project is None else project.manager, what="action")


def _crossing(action: Action) -> list[type[Event[Any]]]:
    """`action.overdue` joins this change's events when the action is past due and its crossing of
    this due date was not announced yet (then it is, by this change)."""
    if not rules.crossing_unannounced(
        action.status, action.due_date, action.overdue_announced_for, rules.today()
    ):
        return []
    action.overdue_announced_for = action.due_date
    return [ActionOverdue]


async def create(session: AsyncSession, body: ActionCreate, principal: Principal) -> Action:
    portfolio_id = await _scope(session, principal, body.portfolio_id, body.project_id)
    action = Action(
        id=uuid.uuid4(),
        portfolio_id=portfolio_id,
        **body.model_dump(include={"project_id", "title", "description", "owner", "due_date", "status"}),
        **_source_columns(body.source),
    )
    await add(session, action, principal, changed=body.model_fields_set)
    return action


async def add(
    session: AsyncSession, action: Action, principal: Principal, *, changed: Iterable[str] = ()
) -> None:
    """A new action enters the register (written directly, or taken from an upstream event)."""
    action.deleted = False
    action.closed_at = rules.closed_at_after(None, action.status, None, utcnow())
    also = _crossing(action)
    await ACTIONS.create(session, action, principal, ActionCreated, changed=sorted(changed), also=also)


async def update(session: AsyncSession, action: Action, body: ActionUpdate, principal: Principal) -> Action:
    """Any field but `portfolio_id`; a new `project_id` must be a project of the action's portfolio
    that the principal may write."""
    await _ensure_can_write(session, principal, action)
    values = body.model_dump(exclude_unset=True, exclude={"source"})
    if "source" in body.model_fields_set:
        values.update(_source_columns(body.source))
    if values.get("project_id", action.project_id) != action.project_id:
        await _scope(session, principal, action.portfolio_id, values["project_id"])
    await apply(session, action, principal, values)
    return action


async def apply(
    session: AsyncSession,
    action: Action,
    principal: Principal,
    values: Mapping[str, Any],
    *,
    name: str = "updated",
) -> bool:
    """Set `values` (columns); `closed_at` follows the status, a new due date may be crossed again.
    Returns whether anything changed."""
    changed = [key for key, value in values.items() if getattr(action, key) != value]
    if not changed:
        return False
    previous_status = action.status
    async with ACTIONS.change(session, action, principal, ActionUpdated, action=name) as change:
        for key in changed:
            setattr(action, key, values[key])
        if "status" in changed:
            action.closed_at = rules.closed_at_after(
                previous_status, action.status, action.closed_at, utcnow()
            )
        if "due_date" in changed:
            action.overdue_announced_for = None  # moving the due date makes its crossing new
        change.also = _crossing(action)
    return True


async def note_origin_version(session: AsyncSession, action: Action, version: int) -> None:
    """Record that an upstream version was seen though it changed nothing here (no new version of
    the action, no event): a later, older event must still lose to it."""
    stmt = (
        sql_update(Action)
        .where(Action.id == action.id)
        .values(origin_version=version, updated_at=Action.updated_at)
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)
    set_committed_value(action, "origin_version", version)  # what the row says now, not a pending change


async def delete(session: AsyncSession, action: Action, principal: Principal) -> None:
    await _ensure_can_write(session, principal, action)
    await tombstone(session, action, principal)


async def tombstone(session: AsyncSession, action: Action, principal: Principal) -> None:
    """Delete the action: it stays as a tombstone (so a late upstream event cannot bring it back);
    its last event is `action.updated` with `deleted=true` at the version after this one."""
    action.deleted = True
    await ACTIONS.delete(session, action, principal, ActionUpdated, remove=False)


async def announce_overdue(session: AsyncSession, action: Action) -> None:
    """The sweep found the action past due and its crossing unannounced: `action.overdue`, at a new
    version (what it serves changed: `overdue` is now true)."""
    async with ACTIONS.change(session, action, SWEEPER, ActionOverdue, action="overdue") as change:
        action.overdue_announced_for = action.due_date
        change.changed = ["overdue"]

"""Every query of the action register. Deleted actions are tombstones: only `by_origin` sees them."""

from __future__ import annotations

import uuid
from datetime import date

from pmo_common.http import Repository
from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.actions.models import Action
from pmo_portfolio.actions.rules import OPEN_STATUSES
from pmo_portfolio.actions.schemas import ActionFilters

# Oldest first: a stable order while actions are added.
repository = Repository(Action, [(Action.created_at, False), (Action.id, False)])


async def get(session: AsyncSession, action_id: uuid.UUID) -> Action | None:
    action = await repository.get(session, action_id)
    return None if action is None or action.deleted else action


async def by_origin(session: AsyncSession, origin: str) -> Action | None:
    """The action taken from an upstream item (a status report's action, a risk response), deleted or not."""
    return await session.scalar(select(Action).where(Action.origin == origin))


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(Action.status.in_(OPEN_STATUSES), Action.due_date.is_not(None), Action.due_date < today)


async def list_page(
    session: AsyncSession, filters: ActionFilters, today: date, *, limit: int, cursor: str | None
) -> tuple[list[Action], str | None]:
    where: list[ColumnElement[bool]] = [Action.deleted.is_(False)]
    for column, value in (
        (Action.portfolio_id, filters.portfolio_id),
        (Action.project_id, filters.project_id),
        (Action.owner, filters.owner),
        (Action.status, filters.status),
    ):
        if value is not None:
            where.append(column == value)
    if filters.overdue is not None:
        where.append(_overdue(today) if filters.overdue else not_(_overdue(today)))
    if filters.due_before is not None:
        where.append(Action.due_date < filters.due_before)
    return await repository.list_page(session, *where, limit=limit, cursor=cursor)


async def overdue_count(session: AsyncSession, project_id: uuid.UUID, today: date) -> int:
    """How many of the project's actions are overdue as of `today` (the gate fact `actions.overdue`)."""
    stmt = (
        select(func.count())
        .select_from(Action)
        .where(Action.project_id == project_id, Action.deleted.is_(False), _overdue(today))
    )
    return int(await session.scalar(stmt) or 0)


def _unannounced(today: date) -> ColumnElement[bool]:
    """Overdue, and `action.overdue` not yet published for the current due date."""
    announced_for = Action.overdue_announced_for
    pending = or_(announced_for.is_(None), announced_for != Action.due_date)
    return and_(Action.deleted.is_(False), _overdue(today), pending)


async def any_unannounced(session: AsyncSession, today: date) -> bool:
    stmt = select(Action.id).where(_unannounced(today)).limit(1)
    return (await session.scalar(stmt)) is not None


async def unannounced(session: AsyncSession, today: date, *, limit: int) -> list[Action]:
    """Overdue actions whose crossing is still to be announced, earliest due first."""
    stmt = select(Action).where(_unannounced(today)).order_by(Action.due_date, Action.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def origins_present(session: AsyncSession, origins: list[str]) -> set[str]:
    """Which of these upstream items already have their action (deleted ones included)."""
    if not origins:
        return set()
    stmt = select(Action.origin).where(Action.origin.in_(origins))
    return {origin for origin in (await session.scalars(stmt)).all() if origin is not None}

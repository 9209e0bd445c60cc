"""The portfolio's open and overdue actions and its latest decisions as of a date, read from the
action and decision read models (the rule is in `readmodels.governance`'s docstring)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.periods import end_of_day
from pmo_reporting.readmodels.governance import ActionView, DecisionView

LATEST_DECISIONS = 5
MAX_OVERDUE_LISTED = 100


def _open_on(
    portfolio_id: uuid.UUID, as_of: date, projects: Select[Any] | None = None
) -> ColumnElement[bool]:
    """Created by the end of the day, neither closed nor deleted by then (of `projects`, when given:
    a select of the project ids a narrowed dashboard covers)."""
    a, until = ActionView, end_of_day(as_of)
    return and_(
        a.portfolio_id == portfolio_id,
        a.created_at < until,
        or_(a.closed_at.is_(None), a.closed_at >= until),
        or_(a.deleted_at.is_(None), a.deleted_at >= until),
        *([] if projects is None else [a.project_id.in_(projects)]),
    )


def _overdue_on(as_of: date) -> ColumnElement[bool]:
    return and_(ActionView.due_date.is_not(None), ActionView.due_date < as_of)


async def action_counts(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, projects: Select[Any] | None = None
) -> tuple[int, int]:
    """(open, overdue) as of the date."""
    overdue = func.sum(case((_overdue_on(as_of), 1), else_=0))
    row = (
        await session.execute(
            select(func.count(), func.coalesce(overdue, 0)).where(_open_on(portfolio_id, as_of, projects))
        )
    ).one()
    return int(row[0]), int(row[1])


async def overdue_actions(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, limit: int | None = MAX_OVERDUE_LISTED
) -> Sequence[ActionView]:
    """The actions overdue as of the date, the longest overdue first (`limit` None: all of them)."""
    a = ActionView
    stmt = (
        select(a)
        .where(_open_on(portfolio_id, as_of), _overdue_on(as_of))
        .order_by(a.due_date, a.created_at, a.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def latest_decisions(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    as_of: date,
    limit: int = LATEST_DECISIONS,
    *,
    projects: Select[Any] | None = None,
    programme_id: uuid.UUID | None = None,
) -> Sequence[Any]:
    """The `limit` latest decision-log entries decided on or before the date, the latest first
    (with `projects`, a narrowed dashboard's: those about its projects or its programme)."""
    d = DecisionView
    narrowed = []
    if projects is not None:
        about = [d.project_id.in_(projects)]
        narrowed = [or_(*about, *([] if programme_id is None else [d.programme_id == programme_id]))]
    stmt = (
        select(d.title, d.kind, d.decided_by, d.decided_at, d.sequence)
        .where(d.portfolio_id == portfolio_id, d.decided_at < end_of_day(as_of), *narrowed)
        .order_by(d.decided_at.desc(), d.sequence.desc())
        .limit(limit)
    )
    return (await session.execute(stmt)).all()

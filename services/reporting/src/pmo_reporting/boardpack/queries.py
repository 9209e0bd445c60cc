"""What the board pack lists besides the dashboard's figures, as of a date: every project with its
structure and forecasts, the plans behind the S-curve, and the open risks, actions and decisions.

A project's figures, plan, manager, programme, finish date, tags and custom fields are those in
effect on the date (the history tables); its sponsor and budget are today's (the read models keep
no older copies of them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pmo_common.db import code_point_order
from sqlalchemy import Subquery, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pmo_reporting.dashboards import repository, state
from pmo_reporting.dashboards.repository import ResultRow
from pmo_reporting.logic.dashboard import EVM_STAGES
from pmo_reporting.logic.periods import end_of_day
from pmo_reporting.logic.schedule import PlannedCost
from pmo_reporting.readmodels.governance import ActionView, DecisionView
from pmo_reporting.readmodels.models import PlanPeriod, ProgrammeView, ProjectStageHistory, ProjectView


async def project_rows(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool, **figures: Any
) -> Sequence[ResultRow]:
    """Every live project's figures as of the date (`repository.project_figures` with attention,
    detail and structure; `figures` passes its other options on), by code, with the code of its
    programme, its tags and custom field values (all three those in effect on the date), its
    sponsor and its budget now."""
    f = repository.project_figures(
        portfolio_id, as_of, current=current, attention=True, detail=True, structure=True, **figures
    ).subquery("figures")
    own, programme = aliased(ProjectView), aliased(ProgrammeView)
    if current:
        tags, values, joined = own.tags, own.fields, None
    else:  # the version in effect on the date
        joined = aliased(ProjectStageHistory)
        tags, values = joined.tags, joined.fields
    stmt = (
        select(
            f,
            own.sponsor,
            own.budget.label("own_budget"),
            tags.label("tags"),
            values.label("custom_fields"),
            programme.code.label("programme"),
        )
        .join(own, own.id == f.c.id)
        .outerjoin(programme, programme.id == f.c.programme_id)
        .order_by(code_point_order(f.c.code, session.get_bind().dialect.name), f.c.id)
    )
    if joined is not None:
        stmt = stmt.outerjoin(joined, and_(joined.project_id == f.c.id, joined.version == f.c.version))
    return (await session.execute(stmt)).all()


def _committed(portfolio_id: uuid.UUID, as_of: date, *, current: bool) -> Subquery:
    """The projects that count in the portfolio's EVM sums on the date, with their plan in force and
    the report in effect."""
    p = state.project_reports(portfolio_id, as_of, current=current)
    return select(p).where(p.c.stage.in_(EVM_STAGES)).subquery("committed")


async def curve_plans(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> tuple[list[PlannedCost], list[date | None]]:
    """The plans in force on the date of the projects the S-curve sums, and each one's forecast
    finish (the report's, else the project's own finish date in effect on the date)."""
    c = _committed(portfolio_id, as_of, current=current)
    rows = (
        await session.execute(
            select(
                c.c.id,
                c.c.budget,
                c.c.start_date,
                c.c.finish_date,
                c.c.forecast_finish_date,
                c.c.project_finish,
            )
        )
    ).all()
    profiles: dict[uuid.UUID, list[tuple[str, Decimal]]] = {}
    periods = select(PlanPeriod.project_id, PlanPeriod.period, PlanPeriod.amount).join(
        c, and_(PlanPeriod.project_id == c.c.id, PlanPeriod.number == c.c.plan_number)
    )
    for project_id, period, amount in (await session.execute(periods)).all():
        profiles.setdefault(project_id, []).append((period, amount))
    plans = [PlannedCost(r.budget, r.start_date, r.finish_date, tuple(profiles.get(r.id, ()))) for r in rows]
    return plans, [r.forecast_finish_date or r.project_finish for r in rows]


async def open_risks(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, current: bool
) -> Sequence[ResultRow]:
    """The open risks as of the date, the highest score first, with their project's code."""
    risks = state.risk_state(portfolio_id, as_of, current=current)
    stmt = (
        select(risks, ProjectView.code.label("project_code"))
        .outerjoin(ProjectView, ProjectView.id == risks.c.project_id)
        .order_by(risks.c.score.desc(), risks.c.emv.desc(), risks.c.id)
    )
    return (await session.execute(stmt)).all()


async def actions(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> Sequence[ResultRow]:
    """The action register on the date: created by its end and not deleted by then, by due date."""
    a, until = ActionView, end_of_day(as_of)
    stmt = (
        select(
            a.title,
            a.owner,
            a.status,
            a.due_date,
            a.created_at,
            a.closed_at,
            ProjectView.code.label("project_code"),
        )
        .outerjoin(ProjectView, ProjectView.id == a.project_id)
        .where(
            a.portfolio_id == portfolio_id,
            a.created_at < until,
            or_(a.deleted_at.is_(None), a.deleted_at >= until),
        )
        .order_by(a.due_date.is_(None), a.due_date, a.created_at, a.id)
    )
    return (await session.execute(stmt)).all()


async def decisions(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date) -> Sequence[ResultRow]:
    """The decision log up to the end of the date, in its chain order."""
    d = DecisionView
    stmt = (
        select(
            d.sequence,
            d.decided_at,
            d.kind,
            d.title,
            d.decided_by,
            d.hash,
            ProjectView.code.label("project_code"),
        )
        .outerjoin(ProjectView, ProjectView.id == d.project_id)
        .where(d.portfolio_id == portfolio_id, d.decided_at < end_of_day(as_of))
        .order_by(d.sequence)
    )
    return (await session.execute(stmt)).all()

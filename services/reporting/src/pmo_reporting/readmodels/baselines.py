"""A project's plans from the portfolio service's events: its baselines (each recorded once, from
`baseline.approved` or from the `baseline` a project event carries) and its current cost profile;
and, for a project read model, the plan in force on a date (the rule is `logic.plans`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from pmo_common.contracts.events import BaselineTerms, PeriodAmount
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.evm import Baseline
from pmo_reporting.logic.plans import ApprovedBaseline, ProjectPlans
from pmo_reporting.readmodels.models import (
    CURRENT_PLAN,
    END_OF_TIME,
    BaselineView,
    PlanPeriod,
    ProjectView,
)


async def record_baseline(session: AsyncSession, project_id: uuid.UUID, terms: BaselineTerms) -> bool:
    """Keep a baseline (the first copy of each number: a baseline never changes) and re-place the
    project's baselines in time; returns whether it was new."""
    if await session.get(BaselineView, (project_id, terms.number)) is not None:
        return False
    session.add(
        BaselineView(
            project_id=project_id,
            number=terms.number,
            budget=terms.budget,
            start_date=terms.start_date,
            finish_date=terms.finish_date,
            approved_at=terms.approved_at,
        )
    )
    await _replace_periods(session, project_id, terms.number, terms.cost_profile)
    rows = (await session.scalars(select(BaselineView).where(BaselineView.project_id == project_id))).all()
    ordered = sorted(rows, key=lambda b: (b.approved_at, b.number))
    for i, baseline in enumerate(ordered):  # events may arrive in any order: derive from them all
        baseline.first = i == 0
        baseline.superseded_at = ordered[i + 1].approved_at if i + 1 < len(ordered) else END_OF_TIME
    await session.flush()
    return True


async def record_current_profile(
    session: AsyncSession, project_id: uuid.UUID, profile: Sequence[PeriodAmount]
) -> None:
    """The project's current cost profile (its forecast once approved) replaces the stored one."""
    await _replace_periods(session, project_id, CURRENT_PLAN, profile)


async def _replace_periods(
    session: AsyncSession, project_id: uuid.UUID, number: int, profile: Sequence[PeriodAmount]
) -> None:
    await session.execute(
        delete(PlanPeriod).where(PlanPeriod.project_id == project_id, PlanPeriod.number == number)
    )
    amounts: dict[str, Decimal] = {}
    for item in profile:  # one row per month even if a producer repeats one
        amounts[item.period] = amounts.get(item.period, Decimal(0)) + item.amount
    session.add_all(
        PlanPeriod(project_id=project_id, number=number, period=period, amount=amount)
        for period, amount in sorted(amounts.items())
    )
    await session.flush()


async def plans_of(session: AsyncSession, project: ProjectView) -> ProjectPlans:
    """The project's baselines and current fields, for `ProjectPlans.on(date)`."""
    baselines = (
        await session.scalars(select(BaselineView).where(BaselineView.project_id == project.id))
    ).all()
    periods = (
        await session.execute(
            select(PlanPeriod.number, PlanPeriod.period, PlanPeriod.amount)
            .where(PlanPeriod.project_id == project.id)
            .order_by(PlanPeriod.number, PlanPeriod.period)
        )
    ).all()
    profiles: dict[int, list[tuple[str, Decimal]]] = {}
    for number, period, amount in periods:
        profiles.setdefault(number, []).append((period, amount))
    current = Baseline(
        bac=project.budget,
        start_date=project.start_date,
        finish_date=project.finish_date,
        cost_profile=tuple(profiles.get(CURRENT_PLAN, ())),
    )
    approved = [
        ApprovedBaseline(
            b.approved_at,
            Baseline(b.budget, b.start_date, b.finish_date, tuple(profiles.get(b.number, ())), b.number),
        )
        for b in baselines
    ]
    return ProjectPlans(current, approved)

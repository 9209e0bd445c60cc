"""A dashboard's benefits as of a date: which benefits it covers, with the value of each one's newest
measurement on or before the date, read in one statement; the arithmetic is `logic.benefits`.

Covered: without narrowing, every benefit of the portfolio (of its projects, its programmes and the
portfolio itself); narrowed, the benefits of the covered projects and, for a programme, the
programme's own. A benefit counts as of D from its creation — or from its earliest measurement, when
that is dated earlier (a benefit registered today with last quarter's measurements shows in last
quarter's figures) — until its deletion (`readmodels.benefits`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.dashboards.schemas import BenefitSummary
from pmo_reporting.dashboards.state import covered_ids
from pmo_reporting.logic.benefits import BenefitFigures, summarise
from pmo_reporting.logic.periods import end_of_day, today
from pmo_reporting.logic.structure import Scope
from pmo_reporting.readmodels.benefits import BenefitMeasurementView, BenefitView


def _covered(
    portfolio_id: uuid.UUID, projects: Select[Any] | None, scope: Scope
) -> list[ColumnElement[bool]]:
    b = BenefitView
    if projects is None:
        return [b.portfolio_id == portfolio_id]
    about = [b.project_id.in_(projects)]
    if scope.programme_id is not None:
        about.append(b.programme_id == scope.programme_id)
    return [b.portfolio_id == portfolio_id, or_(*about)]


async def benefit_rows(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope
) -> Sequence[Any]:
    """(baseline_value, target_value, latest) of each covered benefit in effect on the date."""
    b, m, until = BenefitView, BenefitMeasurementView, end_of_day(as_of)
    projects = covered_ids(portfolio_id, as_of, current=as_of >= today(), scope=scope)
    latest = (
        select(m.value)
        .where(m.benefit_id == b.id, m.as_of <= as_of)
        .order_by(m.as_of.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = select(b.baseline_value, b.target_value, latest.label("latest")).where(
        *_covered(portfolio_id, projects, scope),
        or_(b.created_at < until, latest.is_not(None)),
        or_(b.deleted_at.is_(None), b.deleted_at >= until),
    )
    return (await session.execute(stmt)).all()


async def benefit_summary(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope
) -> BenefitSummary:
    rows = await benefit_rows(session, portfolio_id, as_of, scope)
    totals = summarise(BenefitFigures(r.baseline_value, r.target_value, r.latest) for r in rows)
    return BenefitSummary(count=totals.count, realised_percent=totals.realised_percent)

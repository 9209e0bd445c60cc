"""A project's stage on a date (from its history for a past date), which decides whether its
report's age counts towards the suggested RAG (`logic.targets.REPORTING_STAGES`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.periods import end_of_day, today
from pmo_reporting.readmodels.models import ProjectStageHistory, ProjectView


@dataclass(frozen=True)
class StageChange:
    version: int
    effective_at: datetime
    stage: str


async def stage_changes(session: AsyncSession, project_id: object) -> list[StageChange]:
    h = ProjectStageHistory
    rows = await session.execute(select(h.version, h.effective_at, h.stage).where(h.project_id == project_id))
    return [StageChange(*row) for row in rows]


def stage_at(changes: Sequence[StageChange], until: datetime) -> str | None:
    """The stage of the newest version in effect before `until` (the history tables' rule: a
    back-dated event of a higher version supersedes whatever took effect earlier)."""
    effective = [c for c in changes if c.effective_at < until]
    return max(effective, key=lambda c: c.version).stage if effective else None


def stage_on_date(project: ProjectView, changes: Sequence[StageChange], as_of: date) -> str | None:
    """The current stage for today or later (events are never dated in the future), else history."""
    return project.stage if as_of >= today() else stage_at(changes, end_of_day(as_of))


async def stage_on(session: AsyncSession, project: ProjectView, as_of: date) -> str | None:
    if as_of >= today():
        return project.stage
    return stage_at(await stage_changes(session, project.id), end_of_day(as_of))

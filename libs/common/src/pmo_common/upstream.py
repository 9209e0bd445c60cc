"""The portfolio service's projects and portfolios as other services keep them: one table mixin and
one set of handlers, so risk, resource and reporting learn the same facts the same way.

A read model applies "newest version wins" and keeps deleted aggregates as tombstones, so a late,
older event cannot bring one back. Column sizes match what the portfolio service accepts, so
nothing is ever truncated.

    class KnownProject(UpstreamProject, Base):
        __tablename__ = "known_projects"

    track_projects(handlers, KnownProject)
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from pydantic_core import to_jsonable_python
from sqlalchemy import String, Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from pmo_common.contracts.events import (
    Event,
    PortfolioCreated,
    PortfolioData,
    PortfolioDeleted,
    PortfolioUpdated,
    ProjectCreated,
    ProjectData,
    ProjectDeleted,
    ProjectStageChanged,
    ProjectUpdated,
)
from pmo_common.events.consumer import EventHandlers, apply_to_row

ProjectEvent: TypeAlias = ProjectCreated | ProjectUpdated | ProjectStageChanged | ProjectDeleted
PortfolioEvent: TypeAlias = PortfolioCreated | PortfolioUpdated | PortfolioDeleted
PROJECT_EVENTS = (ProjectCreated, ProjectUpdated, ProjectStageChanged, ProjectDeleted)
PORTFOLIO_EVENTS = (PortfolioCreated, PortfolioUpdated, PortfolioDeleted)

# The widest values the portfolio service accepts (its schemas), so copies are never cut.
CODE_LENGTH, NAME_LENGTH, PERSON_LENGTH, STAGE_LENGTH = 100, 200, 200, 30


class UpstreamProject:
    """Columns every copy of a project has; `version` is the portfolio service's. A service's table
    adds the columns it needs beyond these (any field of `ProjectData` of the same name is filled)."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    manager: Mapped[str | None] = mapped_column(String(PERSON_LENGTH))
    stage: Mapped[str] = mapped_column(String(STAGE_LENGTH))
    deleted: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int]


class UpstreamPortfolio:
    """Columns every copy of a portfolio has."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    currency: Mapped[str] = mapped_column(String(3))
    deleted: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int]


AfterProject = Callable[[AsyncSession, ProjectEvent, Any, bool], Awaitable[None]]
"""`after(session, event, row_before_or_None, applied)`: a service's own consequences."""

AfterPortfolio = Callable[[AsyncSession, PortfolioEvent, Any, bool], Awaitable[None]]
"""As `AfterProject`, for portfolio events."""


def _values(model: Any, data: ProjectData | PortfolioData, deleted: bool) -> dict[str, Any]:
    """The event's fields that the table has (a service's copy may keep more or fewer)."""
    columns = model.__table__.columns.keys()
    values = {name: getattr(data, name) for name in columns if name != "version" and hasattr(data, name)}
    for name, value in values.items():
        if isinstance(value, list | dict):  # JSON columns hold plain values, not pydantic models
            values[name] = to_jsonable_python(value)
    values["deleted"] = deleted
    return values


def unchanged(model: Any, before: dict[str, Any] | None, event: Event[Any]) -> bool:
    """Whether applying `event` left every column of `model` but its version as `before` (the
    `after` hook's row) had it: the event changed only what the table does not keep (a project's
    description, say), so nothing read from the table can have changed."""
    if before is None:
        return False
    data = event.data
    deleted = data.deleted or isinstance(event, ProjectDeleted | PortfolioDeleted)
    return all(before[name] == value for name, value in _values(model, data, deleted).items())


def _columns(model: Any, row: Any) -> dict[str, Any] | None:
    """The row's column values before an event is applied (None: no row yet), for `after`."""
    return None if row is None else {c: getattr(row, c) for c in model.__table__.columns.keys()}  # noqa: SIM118


def _track(
    handlers: EventHandlers,
    model: Any,
    events: tuple[type[Event[Any]], ...],
    deletion: type[Event[Any]],
    name: str,
    after: Callable[[AsyncSession, Any, Any, bool], Awaitable[None]] | None,
) -> None:
    @handlers.on(*events, name=name)
    async def apply(session: AsyncSession, event: Any) -> None:
        data = event.data
        deleted = data.deleted or isinstance(event, deletion)
        row = await session.get(model, data.id)
        before = None if after is None else _columns(model, row)
        applied = await apply_to_row(session, model, row, data.version, _values(model, data, deleted))
        if after is not None:
            await after(session, event, before, applied)


def track_projects(
    handlers: EventHandlers, model: Any, *, name: str = "projects", after: AfterProject | None = None
) -> None:
    """Keep `model` (an `UpstreamProject` table) up to date from the project events."""
    _track(handlers, model, PROJECT_EVENTS, ProjectDeleted, name, after)


def track_portfolios(
    handlers: EventHandlers, model: Any, *, name: str = "portfolios", after: AfterPortfolio | None = None
) -> None:
    """Keep `model` (an `UpstreamPortfolio` table) up to date from the portfolio events."""
    _track(handlers, model, PORTFOLIO_EVENTS, PortfolioDeleted, name, after)

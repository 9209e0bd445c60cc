"""Writes to the read models (from handlers) and the point look-ups routes need."""

from __future__ import annotations

import functools
import uuid
from typing import Any, TypeVar

from pmo_common.contracts.events import OverallocationDetectedData
from pmo_common.db import Database, upsert_insert, upsert_inserts, write_behind, written_at_commit
from pmo_common.events.consumer import apply_if_newer
from sqlalchemy import Select, bindparam, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pmo_reporting.readmodels.models import (
    END_OF_TIME,
    CapacityCell,
    CapacityState,
    DataVersion,
    DemandCell,
    DemandState,
    Figures,
    Overallocation,
    PortfolioView,
    ProgrammeView,
    ProjectView,
    version_scope,
)


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> ProjectView | None:
    project = await session.get(ProjectView, project_id)
    return None if project is None or project.deleted else project


View = TypeVar("View", PortfolioView, ProgrammeView)


def _by_id(model: Any) -> Select[Any]:
    table = model.__table__
    return select(table).where(table.c.id == bindparam("id"))


_BY_ID = {model: _by_id(model) for model in (PortfolioView, ProgrammeView)}


async def _read_live(db: Database, model: type[View], key: uuid.UUID) -> View | None:
    """The read model's row by id, not deleted, as a transient object (in no session: routes read
    it, and nothing writes a read model but the event handlers)."""
    row = await db.read_one(_BY_ID[model], {"id": key})
    return None if row is None or row.deleted else model(**row._mapping)


async def read_portfolio(db: Database, portfolio_id: uuid.UUID) -> PortfolioView | None:
    """The portfolio by id in one Core statement on a read connection: every portfolio route loads
    it, and a session's get (identity map, ORM loading) was a fifth of a cached dashboard's time."""
    return await _read_live(db, PortfolioView, portfolio_id)


async def read_programme(db: Database, programme_id: uuid.UUID) -> ProgrammeView | None:
    """The programme by id, as `read_portfolio` reads a portfolio (a programme's dashboard loads
    both: with a session's get, its cached answer took half as long again as a portfolio's)."""
    return await _read_live(db, ProgrammeView, programme_id)


async def add_history_once(
    session: AsyncSession, model: Any, key: tuple[Any, ...], values: dict[str, Any]
) -> bool:
    """History rows are keyed by (aggregate id, version): replays and duplicates add nothing
    (returns whether the row was new).

    Each row also carries `superseded_at`, the earliest `effective_at` of a higher version, so
    that "the newest version in effect at t" is the row with effective_at < t <= superseded_at (one
    index range instead of a GROUP BY over the whole history). Events may arrive in any order: a
    new row takes its successors' earliest time, and lowers that of its predecessors.

    One INSERT … ON CONFLICT DO NOTHING RETURNING finds whether the row is new and takes its
    successors' time in a subquery; the predecessors' UPDATE, whose outcome nothing reads, is
    written behind (with the next statement on SQLite)."""
    table = model.__table__
    aggregate, version = table.primary_key.columns.values()
    aggregate_id, number = key
    effective_at = values["effective_at"]
    end = literal(END_OF_TIME, type_=table.c.superseded_at.type)
    following = (
        select(func.coalesce(func.min(table.c.effective_at), end))
        .where(aggregate == aggregate_id, version > number)
        .scalar_subquery()
    )
    inserted = (
        upsert_insert(session, table)
        .values(**values, superseded_at=following)
        .on_conflict_do_nothing(index_elements=[aggregate, version])
        .returning(version)
    )
    if (await session.execute(inserted)).first() is None:
        return False
    await write_behind(
        session, _lowered(table), {"h_id": aggregate_id, "h_number": number, "h_at": effective_at}
    )
    return True


@functools.cache
def _lowered(table: Any) -> Any:
    """The predecessors' UPDATE of a history table, built once (`write_behind` queues constant statements)."""
    aggregate, version = table.primary_key.columns.values()
    at: Any = bindparam("h_at")
    return (
        update(table)
        .where(aggregate == bindparam("h_id"), version < bindparam("h_number"), table.c.superseded_at > at)
        .values(superseded_at=at)
    )


async def bump_versions(
    session: AsyncSession, *scopes: uuid.UUID | None, figures: Figures = Figures.PROJECTS
) -> None:
    """+1 on each scope's data version of `figures` (a portfolio id, or GLOBAL_SCOPE), in the caller's
    transaction. PROJECTS, the default, is every figure: name a narrower kind only where the change
    alters nothing else (`Figures`).

    The counters are written when the transaction commits, after everything else it changed and in
    sorted order, however many calls and scopes it made: a consumer's batch bumps the portfolios of
    its events in stream order, while a status report holds its project's row, so taking the counter
    rows on the spot would let two transactions wait on each other (PostgreSQL's 40P01). Taken
    last and in one order, a transaction holding a counter row waits only for counter rows further
    along that order, which nothing holding them waits back for. They are written by the session's
    `commit()` (every unit of work ends in one); a session that never commits bumps nothing."""
    pending = written_at_commit(session, _PENDING_VERSIONS, set, _write_versions)
    pending.update(version_scope(s, figures) for s in scopes if s is not None)


_PENDING_VERSIONS = "pmo_reporting.pending_data_versions"
_BUMP_VERSION = upsert_inserts(
    lambda insert: insert(DataVersion.__table__).on_conflict_do_update(
        index_elements=[DataVersion.__table__.c.scope_id],
        set_={"version": DataVersion.__table__.c.version + 1},
    )
)


def _write_versions(session: Session, pending: set[uuid.UUID]) -> None:
    """One statement for all of them (a batch of events for many portfolios bumps each): its rows
    are taken in the order listed, so the sorted order holds."""
    rows = [{"scope_id": scope, "version": 1} for scope in sorted(pending)]
    session.execute(_BUMP_VERSION[session.get_bind().dialect.name], rows)


async def replace_capacity(
    session: AsyncSession, state_id: uuid.UUID, version: int, cells: list[dict[str, Any]]
) -> bool:
    """The capacity table is one global aggregate: a newer whole table replaces the stored one."""
    states = (await session.scalars(select(CapacityState))).all()
    if any(s.version >= version for s in states):
        return False
    await session.execute(delete(CapacityState))
    session.add(CapacityState(id=state_id, version=version))
    await session.execute(delete(CapacityCell))
    session.add_all(CapacityCell(**cell) for cell in _merged(cells))
    await session.flush()
    return True


async def replace_demand(
    session: AsyncSession, project_id: uuid.UUID, version: int, cells: list[dict[str, Any]]
) -> bool:
    state = await session.get(DemandState, project_id)
    if state is not None and state.version >= version:
        return False
    if state is None:
        session.add(DemandState(project_id=project_id, version=version))
    else:
        state.version = version
    await session.execute(delete(DemandCell).where(DemandCell.project_id == project_id))
    session.add_all(DemandCell(project_id=project_id, **cell) for cell in _merged(cells))
    await session.flush()
    return True


def _merged(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (role, period) even if the producer repeats a pair."""
    totals: dict[tuple[str, str], float] = {}
    for cell in cells:
        key = (cell["role"], cell["period"])
        totals[key] = totals.get(key, 0.0) + float(cell["hours"])
    return [{"role": r, "period": p, "hours": h} for (r, p), h in totals.items()]


async def record_overallocation(session: AsyncSession, detected: OverallocationDetectedData) -> bool:
    """A person's latest detection per month (its `version` counts that person's detections)."""
    values = detected.model_dump(
        include={"resource_id", "period", "role", "capacity_hours", "demand_hours", "excess_hours"}
    )
    key = (detected.resource_id, detected.period)
    return await apply_if_newer(session, Overallocation, key, detected.version, values)

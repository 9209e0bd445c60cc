"""Batched reads and writes of imports: a few queries per few thousand rows, never one per row.

A capacity import is staged, then classified and written in SQL: its validated rows go into a
temporary table in one go (COPY on PostgreSQL, one executemany on SQLite), and a handful of
statements over that table count what is new, changed or unchanged, find the rows of unknown
people, and upsert the rest. A hundred thousand rows never come back to Python.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg
from pmo_common.db import UTCDateTime, upsert_insert
from pmo_common.http import Repository
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.allocations.models import Allocation
from pmo_resource.capacity.models import KnownOverallocation, MonthlyCapacity
from pmo_resource.capacity.repository import chunked
from pmo_resource.imports.models import ImportRun
from pmo_resource.resources import repository as resources_repo
from pmo_resource.resources.models import Resource

BATCH_SIZE = 5000


imports = Repository(ImportRun, [(ImportRun.created_at, False), (ImportRun.id, False)])


async def upsert_resources_batch(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await resources_repo.upsert(session, rows)


async def write_batched(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for chunk in chunked(rows, BATCH_SIZE):
        await upsert_resources_batch(session, list(chunk))


# --- staged capacity rows -------------------------------------------------------------------------

# Not in the service's metadata: a per-transaction scratch table, never migrated.
STAGED = Table(
    "import_capacity_rows",
    MetaData(),
    Column("n", Integer, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("centihours", BigInteger, nullable=False),
)
_COLUMNS = "n integer NOT NULL, external_id text NOT NULL, period text NOT NULL, centihours bigint NOT NULL"
_STAGE_DDL = {
    # Dropped with the transaction, committed or not: nothing lingers on a pooled connection.
    "postgresql": [f"CREATE TEMPORARY TABLE import_capacity_rows ({_COLUMNS}) ON COMMIT DROP"],
    # SQLite has no ON COMMIT DROP: the table lives with the (single, pooled) connection, emptied here
    # and dropped by `unstage_capacity`; a rollback undoes either.
    "sqlite": [
        f"CREATE TEMPORARY TABLE IF NOT EXISTS import_capacity_rows ({_COLUMNS})",
        "DELETE FROM temp.import_capacity_rows",
    ],
}
_STORED_HOURS = type_coerce(MonthlyCapacity.available_hours, BigInteger)  # raw hundredths, as staged
_STAGED_PEOPLE = STAGED.join(Resource, Resource.external_id == STAGED.c.external_id)
_WITH_STORED = _STAGED_PEOPLE.outerjoin(
    MonthlyCapacity,
    and_(MonthlyCapacity.resource_id == Resource.id, MonthlyCapacity.period == STAGED.c.period),
)
_CHANGES = or_(MonthlyCapacity.resource_id.is_(None), STAGED.c.centihours != _STORED_HOURS)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def stage_capacity(session: AsyncSession, records: Sequence[tuple[int, str, str, int]]) -> None:
    """(row number, external_id, period, hundredths of an hour) into `import_capacity_rows`, on the
    session's connection and inside its transaction."""
    dialect = _dialect(session)
    for statement in _STAGE_DDL[dialect]:
        await session.execute(text(statement))
    if not records:
        return
    driver: Any = (await (await session.connection()).get_raw_connection()).driver_connection
    try:
        if dialect == "postgresql":
            await driver.copy_records_to_table(STAGED.name, records=records, columns=list(STAGED.c.keys()))
        else:
            await driver.executemany("INSERT INTO temp.import_capacity_rows VALUES (?, ?, ?, ?)", records)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error, OSError) as exc:
        # The driver's own errors, raised as SQLAlchemy's so the one error mapping answers them (503).
        raise OperationalError(f"staging into {STAGED.name}", None, exc) from exc


async def unstage_capacity(session: AsyncSession) -> None:
    if _dialect(session) == "sqlite":
        await session.execute(text("DROP TABLE IF EXISTS temp.import_capacity_rows"))


class StagedCounts(NamedTuple):
    known: int
    """Staged rows of people who exist."""
    stored: int
    """Of those, rows with a stored figure for the month."""
    same: int
    """Of those, rows whose figure equals the stored one."""
    first: str | None
    last: str | None


async def classify_staged(session: AsyncSession) -> StagedCounts:
    same = func.coalesce(func.sum(case((STAGED.c.centihours == _STORED_HOURS, 1), else_=0)), 0)
    stmt = select(
        func.count(),
        func.count(MonthlyCapacity.resource_id),
        same,
        func.min(STAGED.c.period),
        func.max(STAGED.c.period),
    ).select_from(_WITH_STORED)
    known, stored, unchanged, first, last = (await session.execute(stmt)).one()
    return StagedCounts(int(known), int(stored), int(unchanged), first, last)


async def staged_of_unknown_people(session: AsyncSession) -> list[tuple[int, str]]:
    """(row number, external_id) of the staged rows whose person does not exist."""
    stmt = (
        select(STAGED.c.n, STAGED.c.external_id)
        .select_from(STAGED.outerjoin(Resource, Resource.external_id == STAGED.c.external_id))
        .where(Resource.id.is_(None))
        .order_by(STAGED.c.n)
    )
    return [(n, external_id) for n, external_id in (await session.execute(stmt)).all()]


async def staged_people_to_recheck(session: AsyncSession, first: str, last: str) -> set[uuid.UUID]:
    """People whose capacity the staged rows change within `first..last` and who may be, or have
    been, over-allocated there: staffed in those months, or with a pair already announced. Only
    they can gain or lose an over-allocation by this import (usually few: asked for them alone)."""
    concerned_stmt = union(
        select(Allocation.resource_id).where(
            Allocation.resource_id.is_not(None),
            Allocation.start_period <= last,
            Allocation.end_period >= first,
        ),
        select(KnownOverallocation.resource_id).where(KnownOverallocation.period.between(first, last)),
    )
    concerned = [rid for rid in (await session.scalars(concerned_stmt)).all() if rid is not None]
    found: set[uuid.UUID] = set()
    for chunk in chunked(concerned):
        stmt = (
            select(Resource.id).distinct().select_from(_WITH_STORED).where(Resource.id.in_(chunk), _CHANGES)
        )
        found.update((await session.scalars(stmt)).all())
    return found


async def write_staged_capacity(session: AsyncSession, now: datetime) -> None:
    """Upsert the staged rows of known people: new (person, month) figures at version 1, changed
    ones at version + 1, unchanged ones untouched. One statement, in key order (the primary key's
    B-tree is then filled in order). The conflict clause covers a concurrent import that wrote the
    same month since the classification; its condition keeps an equal figure untouched then too."""
    table = MonthlyCapacity.__table__
    rows = (
        select(
            Resource.id,
            STAGED.c.period,
            STAGED.c.centihours,
            literal(1),
            literal(now, UTCDateTime()),
        )
        .select_from(_WITH_STORED)
        .where(_CHANGES)  # unchanged rows are not even proposed (a conflict would still lock the row)
        .order_by(Resource.id, STAGED.c.period)
    )
    stmt = upsert_insert(session, table).from_select(
        ["resource_id", "period", "available_hours", "version", "updated_at"], rows
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["resource_id", "period"],
        set_={
            "available_hours": stmt.excluded.available_hours,
            "updated_at": stmt.excluded.updated_at,
            "version": table.c.version + 1,
        },
        where=table.c.available_hours != stmt.excluded.available_hours,
    )
    await session.execute(stmt)

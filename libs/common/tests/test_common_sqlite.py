"""The database path of the hot requests (issue #17), against a real database: rows written behind
are read back by their own transaction, undone by its rollback and fail its commit; a read by key is
one row with no session. On SQLite: how many hops to the database thread each costs, and a read by
key that waits for a locked file on that thread while the event loop goes on serving."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiosqlite
import pytest
from pmo_common.db import Database, service_metadata, write_behind
from pmo_common.sqlite import MMAP_BYTES
from sqlalchemy import Column, Integer, String, Table, bindparam, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

METADATA = service_metadata()
ITEMS = Table(
    "items",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50), nullable=False),
)
INSERT = insert(ITEMS)
BY_ID = select(ITEMS).where(ITEMS.c.id == bindparam("id"))
COUNT = select(func.count()).select_from(ITEMS)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call aiosqlite makes on a connection's thread, by the name of what it ran."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield calls


async def _count(db: Database) -> int:
    async with db.transaction(read_only=True) as session:
        return int(await session.scalar(COUNT) or 0)


async def test_rows_written_behind_are_read_back_by_their_transaction_and_committed(db: Database):
    async with db.transaction() as session:
        await write_behind(session, INSERT, {"id": 1, "name": "one"})
        await write_behind(session, INSERT, [{"id": 2, "name": "two"}, {"id": 3, "name": "three"}])
        assert await session.scalar(COUNT) == 3
    assert await _count(db) == 3
    row = await db.read_one(BY_ID, {"id": 2})
    assert row is not None and row.name == "two"
    assert await db.read_one(BY_ID, {"id": 4}) is None


async def test_a_rollback_undoes_the_rows_written_behind(db: Database):
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await write_behind(session, INSERT, {"id": 1, "name": "one"})
            raise RuntimeError("the rules refused it")
    assert await _count(db) == 0


async def test_a_row_written_behind_that_breaks_a_constraint_fails_the_transaction(db: Database):
    async with db.transaction() as session:
        await write_behind(session, INSERT, {"id": 1, "name": "one"})
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await write_behind(session, INSERT, {"id": 2, "name": "two"})
            await write_behind(session, INSERT, {"id": 1, "name": "again"})  # raised here or at commit
    assert await _count(db) == 1


async def test_on_sqlite_a_read_and_a_create_of_three_rows_are_one_hop_each(db: Database, hops: list[str]):
    if not db.sqlite:
        pytest.skip("aiosqlite's thread hops are SQLite's")
    await _count(db)  # the pooled connections exist: what follows opens none
    async with db.transaction() as session:
        await session.scalar(COUNT)
    hops.clear()

    async with db.transaction(read_only=True) as session:
        assert await session.scalar(COUNT) == 0
    assert len(hops) == 1  # the statement, its rows and its cursor; no rollback of an autocommit read

    hops.clear()
    async with db.transaction() as session:
        for i in range(3):
            await write_behind(session, INSERT, {"id": i, "name": f"item {i}"})
    assert hops == ["_commit"]  # BEGIN IMMEDIATE, three INSERTs and COMMIT together
    assert await _count(db) == 3

    await db.read_one(BY_ID, {"id": 1})  # the pooled read connection exists
    hops.clear()
    assert await db.read_one(BY_ID, {"id": 1}) is not None
    assert len(hops) == 1  # the SELECT, its row and its cursor, on the database thread


async def test_on_sqlite_a_read_by_key_waits_for_a_locked_file_without_stalling_the_loop(db: Database):
    if not db.sqlite:
        pytest.skip("SQLite's file lock")
    async with db.transaction() as session:
        await write_behind(session, INSERT, {"id": 1, "name": "one"})
    assert await db.read_one(BY_ID, {"id": 1}) is not None
    await _count(db)
    await db.dispose()  # no other connection may hold the shared memory for an exclusive lock
    path = make_url(db.url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO items (id, name) VALUES (2, 'two')")
    reopened = Database(db.url)
    threaded = asyncio.Event()
    event.listen(reopened.read_engine.sync_engine, "do_connect", lambda *_: threaded.set())
    try:
        read = asyncio.create_task(reopened.read_one(BY_ID, {"id": 2}))
        # The read waits on its database thread for the lock; the event loop meanwhile runs others.
        await asyncio.wait_for(threaded.wait(), timeout=10)
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 20 and not read.done()
        holder.execute("COMMIT")
        holder.close()
        row = await read
        assert row is not None and row.name == "two"
    finally:
        await reopened.dispose()


async def test_sqlite_connections_read_the_file_through_a_memory_map(db: Database):
    """Each pooled connection otherwise reads every page it touches into its own small cache."""
    if not db.sqlite:
        pytest.skip("a SQLite setting")
    for engine in (db.engine, db.read_engine):
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA mmap_size")).scalar() == MMAP_BYTES

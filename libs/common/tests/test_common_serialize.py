"""`serialize` lets one transaction at a time past a named point, and a transaction that asks again
for a lock it holds costs no round trip (PostgreSQL: a transaction advisory lock)."""

from __future__ import annotations

import asyncio

import pytest
from pmo_common.db import Database, serialize
from sqlalchemy import event

pytestmark = pytest.mark.postgres


def _lock_statements(db: Database) -> list[str]:
    seen: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "pg_advisory_xact_lock" in statement:
            seen.append(statement)

    return seen


async def test_a_lock_is_taken_once_per_transaction_and_again_in_the_next(database_url: str):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: serialize takes no lock")
    db = Database(database_url)
    locks = _lock_statements(db)
    try:
        async with db.transaction() as session:
            await serialize(session, "totals")
            await serialize(session, "totals")
            await serialize(session, "counters")
            await serialize(session, "totals")
        assert len(locks) == 2  # one per name
        async with db.transaction() as session:
            await serialize(session, "totals")
        assert len(locks) == 3  # the lock ended with its transaction: the next one takes it again
        async with db.sessionmaker() as session:
            await serialize(session, "totals")
            await session.rollback()
            await serialize(session, "totals")  # a new transaction in the same session
        assert len(locks) == 5
    finally:
        await db.dispose()


async def test_a_second_transaction_waits_for_the_first_to_end(database_url: str):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: serialize takes no lock")
    db = Database(database_url)
    order: list[str] = []
    first_holds = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as session:
            await serialize(session, "totals")
            await serialize(session, "totals")
            first_holds.set()
            await asyncio.sleep(0.3)
            order.append("first ends")

    async def second() -> None:
        await first_holds.wait()
        async with db.transaction() as session:
            await serialize(session, "totals")
            order.append("second passes")

    try:
        await asyncio.gather(first(), second())
        assert order == ["first ends", "second passes"]
    finally:
        await db.dispose()

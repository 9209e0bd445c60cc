"""`pmo_common.reads.gather_reads` against a real database: independent reads run at once, each on
a session of its own beside the caller's, and none is still running when it returns or raises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pmo_common.db import Database
from pmo_common.reads import gather_reads
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _one(session: AsyncSession) -> int:
    return int(await session.scalar(text("SELECT 1")) or 0)


async def test_reads_run_at_once_the_first_on_the_callers_session(db: Database) -> None:
    # Each read waits for the other: one after another they could never finish.
    first_ran, second_ran = asyncio.Event(), asyncio.Event()
    used: list[AsyncSession] = []

    async def first(session: AsyncSession) -> str:
        used.append(session)
        first_ran.set()
        await asyncio.wait_for(second_ran.wait(), timeout=10)
        return f"first {await _one(session)}"

    async def second(session: AsyncSession) -> str:
        used.append(session)
        second_ran.set()
        await asyncio.wait_for(first_ran.wait(), timeout=10)
        return f"second {await _one(session)}"

    async with db.transaction(read_only=True) as session:
        assert await gather_reads(db, session, first, second) == ["first 1", "second 1"]
    assert used[0] is session and used[1] is not session


async def test_an_error_is_raised_once_every_read_has_finished(db: Database) -> None:
    finished: list[str] = []

    async def fails(session: AsyncSession) -> None:
        raise LookupError("no such figure")

    async def slow(session: AsyncSession) -> None:
        await asyncio.sleep(0.2)
        await _one(session)
        finished.append("slow")

    async with db.transaction(read_only=True) as session:
        with pytest.raises(LookupError, match="no such figure"):
            await gather_reads(db, session, slow, fails)
        assert finished == ["slow"]  # it did not go on using `session` after the error
        assert await _one(session) == 1


async def test_without_a_database_the_reads_run_in_order_on_the_session(db: Database) -> None:
    order: list[tuple[str, AsyncSession]] = []

    def read(name: str):  # type: ignore[no-untyped-def]
        async def run(session: AsyncSession) -> str:
            order.append((name, session))
            await _one(session)
            return name

        return run

    async with db.transaction(read_only=True) as session:
        assert await gather_reads(None, session, read("a"), read("b"), read("c")) == ["a", "b", "c"]
    assert [name for name, _ in order] == ["a", "b", "c"]
    assert all(s is session for _, s in order)

"""A pooled PostgreSQL connection is pinged only when it has sat idle (`pmo_common.db.ping_when_idle`):
one used a moment ago goes straight to work, and one whose server session ended while it sat in the
pool is replaced before anyone gets it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pmo_common.db import Database
from sqlalchemy import select, text

pytestmark = pytest.mark.postgres
ONE = select(text("1"))


def _count_pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """SQLAlchemy's own ping, counted on its way through."""
    dialect = db.engine.sync_engine.dialect
    pings: list[int] = []
    ping = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def _backend_pid(db: Database) -> int:
    async with db.engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite connections are local files: nothing to ping")
    return database_url


async def test_a_connection_in_use_a_moment_ago_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(postgres_url, pool_size=1, idle_ping_seconds=60)
    pings = _count_pings(db, monkeypatch)
    try:
        for _ in range(20):
            assert (await db.read_one(ONE, {})) is not None
        async with db.transaction() as session:
            await session.execute(ONE)
        assert pings == []
    finally:
        await db.dispose()


async def test_an_idle_connection_whose_session_ended_is_replaced_unseen(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(postgres_url, pool_size=1, idle_ping_seconds=0.05)
    other = Database(postgres_url, pool_size=1)
    pings = _count_pings(db, monkeypatch)
    try:
        first = await _backend_pid(db)  # the pooled connection's server session
        async with other.engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.1)  # idle past the threshold
        assert (await db.read_one(ONE, {})) is not None  # no error reaches the caller
        assert pings == [1]
        assert await _backend_pid(db) != first  # a new session took its place
    finally:
        await db.dispose()
        await other.dispose()

"""A transaction PostgreSQL aborts for a deadlock is run again; the client sees its success, never a 5xx."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.db import Database
from pmo_common.errors import install_error_handlers, sqlstate
from pmo_common.http import SessionDep
from pmo_common.retries import TransactionRetryMiddleware
from sqlalchemy import text

pytestmark = pytest.mark.postgres


def _app(db: Database) -> tuple[FastAPI, dict[str, int]]:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(TransactionRetryMiddleware)
    app.state.db = db
    both_hold_one = asyncio.Barrier(2)
    attempts = {"a": 0, "b": 0}

    @app.post("/lock/{first}")
    async def lock(first: str, session: SessionDep) -> dict[str, int]:
        second = "b" if first == "a" else "a"
        attempts[first] += 1
        await session.execute(text("UPDATE cells SET n = n + 1 WHERE k = :k"), {"k": first})
        if attempts[first] == 1:
            await both_hold_one.wait()  # each holds one row and asks for the other's: a deadlock
        await session.execute(text("UPDATE cells SET n = n + 1 WHERE k = :k"), {"k": second})
        return attempts

    return app, attempts


async def test_a_deadlocked_request_is_retried_and_succeeds(database_url: str):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: it never deadlocks")
    db = Database(database_url)
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE cells (k text PRIMARY KEY, n int NOT NULL)"))
        await conn.execute(text("INSERT INTO cells VALUES ('a', 0), ('b', 0)"))
    app, attempts = _app(db)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            one, two = await asyncio.gather(client.post("/lock/a"), client.post("/lock/b"))
        assert (one.status_code, two.status_code) == (200, 200), (one.text, two.text)
        assert sorted(attempts.values()) == [1, 2]  # exactly one was aborted and run again
        assert "x-pmo-retry-transaction" not in one.headers and "x-pmo-retry-transaction" not in two.headers
        async with db.engine.connect() as conn:
            counts = dict((await conn.execute(text("SELECT k, n FROM cells"))).all())
        assert counts == {"a": 2, "b": 2}  # each request applied once: nothing of the aborted attempt
    finally:
        await db.dispose()


def test_the_sqlstate_is_found_through_the_wrappers():
    class Driver(Exception):
        sqlstate = "40P01"

    class Adapted(Exception):
        pass

    class Wrapped(Exception):
        def __init__(self, orig: BaseException) -> None:
            self.orig = orig

    adapted = Adapted("deadlock detected")
    adapted.__cause__ = Driver()
    assert sqlstate(Wrapped(adapted)) == "40P01"
    assert sqlstate(ValueError("no code")) is None

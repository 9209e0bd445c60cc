"""Run a service app in-process with its real lifespan (migrations, NATS, relay, consumers)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from pmo_common.auth import make_token
from pmo_common.db import maintenance_connection
from pmo_common.settings import Settings

TEST_JWT_SECRET = "pmo-test-secret-0123456789abcdef0123456789"
T = TypeVar("T")


def token(sub: str = "alice", roles: Iterable[str] = ("admin",), **kw: Any) -> str:
    return make_token(sub, roles, TEST_JWT_SECRET, **kw)


def auth(sub: str = "alice", *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(sub, roles or ('admin',))}"}


def service_settings(service: str, database_url: str, nats_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "service": service,
        "environment": "test",
        "database_url": database_url,
        "nats_url": nats_url,
        "jwt_secret": TEST_JWT_SECRET,
        "outbox_poll_seconds": 0.1,
        "consumer_ack_wait_seconds": 2.0,
        "consumer_max_deliver": 3,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)


test_settings = service_settings
test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test, when imported


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, and an HTTP client on it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as client:
            yield client


async def eventually(
    check: Callable[[], Awaitable[T | None]], timeout: float = 30.0, interval: float = 0.05
) -> T:
    """Poll `check` until it returns something truthy (events are asynchronous, never sleep blindly).
    The default wait is generous: a passing check returns at once, and on a loaded 2-core CI machine an
    event crossing NATS and a consumer's batch has been seen to take more than 10 s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def postgres_admin_url() -> str | None:
    return os.environ.get("PMO_TEST_DATABASE_URL") or None


async def create_postgres_database(base_url: str) -> str:
    """A fresh database on the server of `base_url`; returns its SQLAlchemy async URL."""
    url = make_url(base_url)
    name = f"pmo_test_{uuid.uuid4().hex[:12]}"
    conn = await maintenance_connection(url.render_as_string(hide_password=False), url.database or "postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)


async def drop_postgres_database(db_url: str) -> None:
    url = make_url(db_url)
    conn = await maintenance_connection(db_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def publish_event(nats_url: str, event: Any, data: Any = None) -> Any:
    """Publish one catalogue event straight to JetStream, as its owning service's relay would —
    for tests of a consumer without running the producing service. `event` is a typed event, or
    an event class with its `data` as a dict."""
    from pmo_common.events.outbox import build_envelope

    typed = event if data is None else event.model_validate({"data": data})
    envelope = build_envelope(typed)
    await publish_envelope(nats_url, typed.subject, envelope)
    return envelope


async def publish_envelope(nats_url: str, subject: str, envelope: Any) -> None:
    """Publish an envelope on any subject (also one the catalogue does not know)."""
    import json as _json

    import nats as _nats

    from pmo_common.events.nats import ensure_streams

    nc = await _nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js, 1)
        await js.publish(
            subject,
            _json.dumps(envelope.model_dump(mode="json", exclude_none=True)).encode(),
            headers={"Nats-Msg-Id": envelope.id},
        )
    finally:
        await nc.close()


async def delete_all_streams(nats_url: str) -> None:
    """Empty a broker between tests: every stream goes, with its messages and consumers."""
    import nats as _nats

    nc = await _nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for info in await js.streams_info():
            if info.config.name:
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()

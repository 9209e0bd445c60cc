"""pytest fixtures (loaded by the root conftest): `nats_server`, `database_url`, `make_settings`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pmo_common.natsserver import NatsServer
from pmo_common.settings import Settings
from pmo_common.testing.harness import (
    create_postgres_database,
    drop_postgres_database,
    postgres_admin_url,
    service_settings,
)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server from the wheel on a free port; tests may stop() and start() it."""
    server = NatsServer(tmp_path / "nats").start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database: a SQLite file, or a new PostgreSQL database with PMO_TEST_DATABASE_URL."""
    admin = postgres_admin_url()
    if admin is None:
        yield f"sqlite+aiosqlite:///{(tmp_path / 'test.db').as_posix()}"
        return
    url = await create_postgres_database(admin)
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
def make_settings(database_url: str, nats_server: NatsServer) -> Callable[..., Settings]:
    def factory(service: str, **overrides: Any) -> Settings:
        return service_settings(service, database_url, nats_server.url, **overrides)

    return factory


@pytest.fixture
async def new_database() -> AsyncIterator[Callable[[Path], Any]]:
    """For tests running several services: `await new_database(tmp_path / "x.db")` per service."""
    created: list[str] = []

    async def factory(sqlite_path: Path) -> str:
        admin = postgres_admin_url()
        if admin is None:
            return f"sqlite+aiosqlite:///{Path(sqlite_path).as_posix()}"
        url = await create_postgres_database(admin)
        created.append(url)
        return url

    yield factory
    for url in created:
        await drop_postgres_database(url)

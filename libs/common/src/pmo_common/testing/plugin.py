"""pytest fixtures (loaded by the root conftest): `nats_server`, `database_url`, `make_settings`,
`taken_port`."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pmo_common.natsserver import NatsServer
from pmo_common.settings import Settings
from pmo_common.testing.harness import (
    create_postgres_database,
    delete_all_streams,
    drop_postgres_database,
    postgres_admin_url,
    service_settings,
)

# Knobs of the test suite itself; every other PMO_* variable of the caller's shell is dropped, so a
# developer's PMO_JWT_SECRET or PMO_DATABASE_URL can never change what a test sees.
_TEST_KNOBS = ("PMO_TEST_", "PMO_FUZZ_")


def pytest_configure(config: pytest.Config) -> None:
    for name in [n for n in os.environ if n.startswith("PMO_") and not n.startswith(_TEST_KNOBS)]:
        del os.environ[name]


def pytest_unconfigure(config: pytest.Config) -> None:
    # The suite leaves a heap of hundreds of apps, engines and compiled statements; the interpreter's
    # final collection walked it for 40 s to 1.5 min after the summary (py-spy: gc_collect_main).
    # Frozen objects are not collected: the process exits at once, its at-exit handlers still run.
    gc.freeze()


@pytest.fixture(scope="session")
def _shared_nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats")).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def nats_server(_shared_nats_server: NatsServer) -> Iterator[NatsServer]:
    """A real nats-server from the wheel, shared by the session (one start instead of one per test)
    and emptied before each test: every stream, with its messages and consumers, is deleted, so a
    test sees only its own events. Tests that stop and start the broker take `private_nats_server`."""
    if not _shared_nats_server.running:
        _shared_nats_server.start()
    asyncio.run(delete_all_streams(_shared_nats_server.url))
    yield _shared_nats_server


@pytest.fixture
def private_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of this test's own, which it may stop(), start() or kill()."""
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
        nats_url = overrides.pop("nats_url", nats_server.url)  # e.g. a private_nats_server's
        return service_settings(service, database_url, nats_url, **overrides)

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


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another process holds, bound and listening — as a suite running beside this one may
    take the port a test picked before its server binds it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])

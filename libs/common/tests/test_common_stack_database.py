"""The Stack's database hook (`make bench` with PMO_BENCH_DATABASE_URL): services without a URL of
their own get the hook's, once per service, and an explicit URL still wins; and a service whose
picked port is taken before it binds moves to a free one, once, before it has been ready."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import TEST_JWT_SECRET
from pmo_common.testing.stack import Stack


@pytest.fixture
def hooked() -> Iterator[list[str]]:
    asked: list[str] = []

    def fresh(service: str) -> str:
        asked.append(service)
        return f"postgresql+asyncpg://bench@db/{service}_{len(asked)}"

    Stack.default_database = fresh
    try:
        yield asked
    finally:
        Stack.default_database = None


def test_without_the_hook_each_service_has_its_sqlite_file(tmp_path: Path) -> None:
    stack = Stack(tmp_path, "nats://127.0.0.1:1", "secret")
    url = stack.add("risk").env["PMO_DATABASE_URL"]
    assert url == f"sqlite+aiosqlite:///{(tmp_path / 'risk.db').as_posix()}"


def test_the_hook_gives_each_service_one_database(tmp_path: Path, hooked: list[str]) -> None:
    stack = Stack(
        tmp_path, "nats://127.0.0.1:1", "secret", database_urls={"risk": "sqlite+aiosqlite:///x.db"}
    )
    first = stack.add("reporting").env["PMO_DATABASE_URL"]
    second = stack.add("reporting", instance="-b").env["PMO_DATABASE_URL"]
    portfolio = stack.add("portfolio").env["PMO_DATABASE_URL"]
    risk = stack.add("risk").env["PMO_DATABASE_URL"]
    assert first == second == "postgresql+asyncpg://bench@db/reporting_1"  # the replica shares it
    assert portfolio == "postgresql+asyncpg://bench@db/portfolio_2"
    assert risk == "sqlite+aiosqlite:///x.db"
    assert hooked == ["reporting", "portfolio"]


def test_a_service_moves_off_a_port_taken_between_pick_and_bind(
    tmp_path: Path, nats_server: NatsServer, taken_port: int
) -> None:
    stack = Stack(tmp_path, nats_server.url, TEST_JWT_SECRET)
    service = stack.add("risk")
    service.port = taken_port  # what free_port() returned, then another process bound it
    try:
        stack.start("risk")
        assert service.port != taken_port
        assert service.ready()
        assert b"address already in use" in service.log_file.read_bytes().lower()
    finally:
        stack.stop()


def test_a_restart_keeps_its_address_and_says_when_it_is_taken(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    stack = Stack(tmp_path, nats_server.url, TEST_JWT_SECRET)
    service = stack.add("risk")
    try:
        stack.start("risk")
        service.kill()
        with socket.socket() as sock:
            # As servers do (uvicorn too): the killed service's accepted connections may linger in
            # TIME_WAIT on the port, and a plain bind would fail on them rather than on a listener.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", service.port))
            sock.listen()
            service.start()
            # Clients hold the address of a service that was once ready: a restart does not move it.
            with pytest.raises(RuntimeError, match="risk exited"):
                service.wait_ready(timeout=30)
    finally:
        stack.stop()

"""The nats-server the tests and `make demo` start: it is ready only when it says so itself, and a
port picked for it but taken before it binds moves it to a fresh one — before, an open port held by
another process passed for this server, and the tests talked to someone else's broker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from pmo_common.natsserver import NatsServer


async def _jetstream_answers(url: str) -> bool:
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        await nc.jetstream().account_info()
        return True
    finally:
        await nc.close()


def test_a_picked_port_taken_before_the_bind_moves_the_server(tmp_path: Path, taken_port: int) -> None:
    server = NatsServer(tmp_path)
    server.port = taken_port  # what free_port() returned, then another process bound it
    server.start()
    try:
        assert server.port != taken_port
        assert server.running
        assert asyncio.run(_jetstream_answers(server.url))
    finally:
        server.kill()


def test_a_port_asked_for_and_taken_is_an_error_not_someone_elses_server(
    tmp_path: Path, taken_port: int
) -> None:
    server = NatsServer(tmp_path, port=taken_port)
    try:
        with pytest.raises(RuntimeError, match=f"port {taken_port} is taken"):
            server.start()
    finally:
        server.kill()


def test_a_restart_keeps_the_port(tmp_path: Path) -> None:
    server = NatsServer(tmp_path).start()
    try:
        port = server.port
        server.restart()
        assert server.port == port and server.running
    finally:
        server.kill()

"""The real stack as processes: a nats-server from the wheel and one uvicorn per service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import TEST_JWT_SECRET
from pmo_common.testing.stack import SERVICES, Stack

HR_KEY = "hr-nightly-key-0123456789"


@pytest.fixture
async def stack(tmp_path: Path, nats_server: NatsServer, new_database) -> AsyncIterator[Stack]:
    urls = {name: await new_database(tmp_path / f"{name}.db") for name in SERVICES}
    stack = Stack(
        workdir=tmp_path / "stack",
        nats_url=nats_server.url,
        jwt_secret=TEST_JWT_SECRET,
        database_urls=urls,
        extra_env={"PMO_API_KEYS": f"hr:{HR_KEY}:integration"},
    )
    try:
        yield stack.start()
    finally:
        stack.stop()


@pytest.fixture
def e2e_logs(stack: Stack) -> Iterator[None]:
    """Print the services' logs when a test fails, so a CI failure says why."""
    yield

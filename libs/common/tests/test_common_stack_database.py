"""The Stack's database hook (`make bench` with PMO_BENCH_DATABASE_URL): services without a URL of
their own get the hook's, once per service, and an explicit URL still wins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
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

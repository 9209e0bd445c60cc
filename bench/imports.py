"""Imports: 100,000 capacity rows through the resource service's API against the raw insert floor —
one plain `executemany` on SQLite, asyncpg `copy_records_to_table` on PostgreSQL — in the same run.

The floor is measured just before and just after the import and the mean taken, so that a machine
whose load drifts during the run moves both sides alike. The capacity import starts once the relay
has published the people import's events (on SQLite its one write connection would otherwise be
shared with the relay's marking of 5,000 events, which is no part of the figure)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
from pmo_common.natsserver import NatsServer, port_open
from pmo_common.testing.harness import (
    TEST_JWT_SECRET,
    auth,
    create_postgres_database,
    drop_postgres_database,
)
from pmo_common.testing.stack import Stack
from sqlalchemy.engine import make_url

from bench.common import Row

MONTHS = [f"{2027 + (m // 12)}-{m % 12 + 1:02d}" for m in range(20)]
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _rows(total: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    people = total // len(MONTHS)
    resources = [
        {
            "external_id": f"HR{i:06d}",
            "name": f"Person {i}",
            "email": f"p{i}@example.com",
            "role": f"role-{i % 10}",
            "skills": ["a", "b"],
            "org_unit": f"unit-{i % 7}",
            "fte": "1",
            "hours_per_week": "40",
            "cost_rate": "80.00",
            "active": True,
        }
        for i in range(people)
    ]
    capacity = [
        {"external_id": f"HR{i:06d}", "period": month, "available_hours": 120 + (i % 40)}
        for i in range(people)
        for month in MONTHS
    ]
    return resources, capacity


_PENDING = re.compile(r'^pmo_outbox_pending\{service="resource"\} (\S+)$', re.M)
_UPSERTS = re.compile(
    r'^pmo_events_published_total\{service="resource",subject="pmo.resource.resource.upserted"\} (\S+)$', re.M
)


def _wait_relayed(client: httpx.Client, url: str, events: int, timeout: float = 120) -> None:
    """Until the relay has published `events` resource.upserted events and has had nothing pending
    for two looks in a row (it marks what it published a moment after publishing it)."""
    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        metrics = client.get(f"{url}/metrics").text
        pending, upserts = _PENDING.search(metrics), _UPSERTS.search(metrics)
        done = pending and upserts and float(pending[1]) == 0 and float(upserts[1]) >= events
        quiet = quiet + 1 if done else 0
        if quiet == 2:
            return
        time.sleep(0.3)
    raise RuntimeError(f"the relay did not publish the people import's {events} events in {timeout} s")


def _api_import(
    url: str, api: str, resources: list[dict[str, object]], capacity: list[dict[str, object]]
) -> float:
    headers = auth("bench", "admin")
    with httpx.Client(timeout=300) as client:
        response = client.post(f"{api}/imports/resources", json={"rows": resources}, headers=headers)
        response.raise_for_status()
        _wait_relayed(client, url, len(resources))
        body = json.dumps({"rows": capacity}).encode()
        start = time.perf_counter()
        response = client.post(
            f"{api}/imports/capacity", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        seconds = time.perf_counter() - start
        response.raise_for_status()
        report = response.json()
        if report["created"] != len(capacity):
            raise RuntimeError(
                f"import created {report['created']} of {len(capacity)} rows: {str(report)[:300]}"
            )
    return seconds


def _sqlite_floor(path: Path, capacity: list[dict[str, object]]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE capacity (external_id TEXT, period TEXT, available_hours REAL, "
        "PRIMARY KEY (external_id, period))"
    )
    values = [(r["external_id"], r["period"], r["available_hours"]) for r in capacity]
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO capacity VALUES (?, ?, ?)", values)
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


async def _postgres_floor(url: str, capacity: list[dict[str, object]]) -> float:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
    )
    try:
        await conn.execute(
            "CREATE TABLE capacity (external_id text, period text, available_hours double precision, "
            "PRIMARY KEY (external_id, period))"
        )
        records = [(r["external_id"], r["period"], float(r["available_hours"])) for r in capacity]  # type: ignore[arg-type]
        start = time.perf_counter()
        await conn.copy_records_to_table("capacity", records=records)
        return time.perf_counter() - start
    finally:
        await conn.execute("DROP TABLE IF EXISTS capacity")
        await conn.close()


def _one(
    workdir: Path,
    label: str,
    database_url: str | None,
    floor: Callable[[], float],
    floor_name: str,
    resources: list[dict[str, object]],
    capacity: list[dict[str, object]],
) -> list[Row]:
    nats_server = NatsServer(workdir / f"nats-imports-{label}").start()
    stack = Stack(
        workdir / f"imports-{label}",
        nats_server.url,
        TEST_JWT_SECRET,
        database_urls={"resource": database_url} if database_url else {},
    )
    stack.add("resource")
    try:
        stack.start("resource")
        before = floor()
        seconds = _api_import(stack["resource"].url, stack["resource"].api, resources, capacity)
        floor_seconds = (before + floor()) / 2
    finally:
        stack.stop()
        nats_server.stop()
    return [
        Row(
            "imports",
            f"{len(capacity):,} capacity rows through the API ({label})",
            seconds,
            "s",
            floor_seconds,
            floor_name,
            "within 3x of floor, < 10 s",
            seconds <= 3 * floor_seconds and seconds < 10,
        )
    ]


def imports_section(workdir: Path, rows: int) -> list[Row]:
    resources, capacity = _rows(rows)
    runs = iter(range(1_000))

    def sqlite_floor() -> float:
        return _sqlite_floor(workdir / f"floor-{next(runs)}.db", capacity)

    result = _one(workdir, "SQLite", None, sqlite_floor, "sqlite executemany", resources, capacity)
    if port_open("127.0.0.1", 5432):
        api_db = asyncio.run(create_postgres_database(POSTGRES))
        floor_db = asyncio.run(create_postgres_database(POSTGRES))
        try:

            def postgres_floor() -> float:
                return asyncio.run(_postgres_floor(floor_db, capacity))

            result += _one(workdir, "PostgreSQL", api_db, postgres_floor, "asyncpg COPY", resources, capacity)
        finally:
            asyncio.run(drop_postgres_database(api_db))
            asyncio.run(drop_postgres_database(floor_db))
    return result

"""The outbox relay publishes in pipelined waves, in order per aggregate, and never waits for the
write lock to publish (marking rows published happens beside it)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections import defaultdict
from pathlib import Path

import nats
from pmo_common.db import Database, service_metadata, utcnow
from pmo_common.events.nats import NatsConnection
from pmo_common.events.outbox import OUTBOX
from pmo_common.events.relay import OutboxRelay
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import eventually
from sqlalchemy import func, insert, select

SUBJECT = "pmo.portfolio.portfolio.updated"


async def _outbox_with(db: Database, aggregates: int, versions: int) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(service_metadata().create_all)
    rows = []
    for _ in range(aggregates):
        aggregate = str(uuid.uuid4())
        for version in range(1, versions + 1):
            event_id = str(uuid.uuid4())
            payload = {"id": event_id, "subject": aggregate, "sequence": version}
            rows.append(
                {
                    "event_id": event_id,
                    "subject": SUBJECT,
                    "aggregate_id": aggregate,
                    "aggregate_version": version,
                    "payload": json.dumps(payload),
                    "created_at": utcnow(),
                }
            )
    # Interleaved as concurrent requests would commit them: a's v1, b's v1, …, then a's v2, …
    rows.sort(key=lambda r: (r["aggregate_version"], r["aggregate_id"]))
    async with db.transaction() as session:
        await session.execute(insert(OUTBOX), rows)


async def _stream_messages(url: str, expected: int) -> list[dict[str, object]]:
    nc = await nats.connect(url)
    try:
        sub = await nc.jetstream().pull_subscribe(SUBJECT, durable="relay-test", stream="PORTFOLIO")
        got: list[dict[str, object]] = []
        while len(got) < expected:
            got += [json.loads(m.data) for m in await sub.fetch(expected - len(got), timeout=5)]
        return got
    finally:
        await nc.close()


async def _unmarked(db: Database) -> int:
    async with db.read_sessionmaker() as session:
        pending = select(func.count()).where(OUTBOX.c.published_at.is_(None))
        return int((await session.execute(pending)).scalar_one())


async def test_the_relay_publishes_while_the_write_lock_is_held_and_keeps_each_aggregates_order(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    db = Database(f"sqlite+aiosqlite:///{(tmp_path / 'svc.db').as_posix()}")
    await _outbox_with(db, aggregates=20, versions=5)
    connection = NatsConnection(nats_server.url, "portfolio")
    connection.start()
    await asyncio.wait_for(connection.ready.wait(), timeout=20)
    relay = OutboxRelay(db, connection, "portfolio")
    writer = sqlite3.connect(tmp_path / "svc.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a long write elsewhere holds the lock
    try:
        published, failed = await asyncio.wait_for(relay.publish_pending(), timeout=20)
        assert (published, failed) == (100, 0)  # before the lock is free
        assert await _unmarked(db) == 100  # marking them waits for the lock, publishing did not
        writer.execute("COMMIT")

        async def all_marked() -> bool:
            return await _unmarked(db) == 0

        await eventually(all_marked, timeout=20)
        messages = await _stream_messages(nats_server.url, 100)
    finally:
        writer.close()
        await relay.close()
        await connection.close()
        await db.dispose()
    by_aggregate: dict[object, list[object]] = defaultdict(list)
    for message in messages:
        by_aggregate[message["subject"]].append(message["sequence"])
    assert len(by_aggregate) == 20
    assert all(sequences == [1, 2, 3, 4, 5] for sequences in by_aggregate.values())

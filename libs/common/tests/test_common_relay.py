"""The outbox relay publishes in pipelined waves, in order per aggregate, marks rows published beside
publishing, and never publishes a row twice while it runs: not even when a pending-rows read taken
before a mark commits returns after it. Only a stop between publish and mark sends a row again, with
the same Nats-Msg-Id. Real NATS (counted on a plain subscription, not through the stream) and the
test database (SQLite, or PostgreSQL with PMO_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import nats
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nats.aio.client import Client
from pmo_common.db import Database, service_metadata, utcnow
from pmo_common.events.ledger import PublishedLedger
from pmo_common.events.nats import NatsConnection
from pmo_common.events.outbox import OUTBOX
from pmo_common.events.relay import OutboxRelay
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import eventually
from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select, text

SUBJECT = "pmo.portfolio.portfolio.updated"
SENTINEL = "pmo.relaytest.sentinel"  # no stream covers it: a plain message, after everything before it
SERVICE = "relaytest"


@dataclass
class Wire:
    """A plain nats-py subscriber on `pmo.>`: every message as it crossed the broker."""

    nc: Client
    relay_nc: Client
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _sentinels: asyncio.Queue[None] = field(default_factory=asyncio.Queue)

    async def collect(self, msg: Any) -> None:
        if msg.subject == SENTINEL:
            self._sentinels.put_nowait(None)
        else:
            self.messages.append(((msg.headers or {}).get("Nats-Msg-Id", ""), json.loads(msg.data)))

    async def settled(self) -> list[tuple[str, dict[str, Any]]]:
        """Everything the relay's connection sent so far: one subscription delivers in order, so once
        a message sent after them arrives, so have they."""
        await self.relay_nc.publish(SENTINEL, b"")
        await self.relay_nc.flush()
        await asyncio.wait_for(self._sentinels.get(), timeout=10)
        return list(self.messages)


@dataclass
class Env:
    db: Database
    connection: NatsConnection
    wire: Wire
    nats_url: str

    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.db, self.connection, SERVICE)


@pytest.fixture
async def env(database_url: str, nats_server: NatsServer) -> AsyncIterator[Env]:
    db = Database(database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(service_metadata().create_all)
    connection = NatsConnection(nats_server.url, "portfolio")
    connection.start()
    await asyncio.wait_for(connection.ready.wait(), timeout=20)
    assert connection.nc is not None
    wire = Wire(await nats.connect(nats_server.url), connection.nc)
    await wire.nc.subscribe("pmo.>", cb=wire.collect)
    await wire.nc.flush()
    try:
        yield Env(db, connection, wire, nats_server.url)
    finally:
        await wire.nc.close()
        await connection.close()
        await db.dispose()


async def _outbox_with(
    db: Database, aggregates: int, versions: int, *, created_at: datetime | None = None
) -> list[str]:
    """Rows interleaved as concurrent requests commit them: a's v1, b's v1, …, then a's v2, …"""
    rows: list[dict[str, Any]] = []
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
                    "created_at": created_at or utcnow(),
                }
            )
    rows.sort(key=lambda r: (r["aggregate_version"], r["aggregate_id"]))
    async with db.transaction() as session:
        await session.execute(insert(OUTBOX), rows)
    return [row["event_id"] for row in rows]


async def _unmarked(db: Database) -> int:
    async with db.read_sessionmaker() as session:
        pending = select(func.count()).where(OUTBOX.c.published_at.is_(None))
        return int((await session.execute(pending)).scalar_one())


def _gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": SERVICE})


def _hold_marks(relay: OutboxRelay) -> asyncio.Event:
    """Marks wait for the returned event before they are written."""
    may_mark = asyncio.Event()
    write_marks = relay._write_marks

    async def held(seqs: list[int], failures: dict[int, str]) -> None:
        await may_mark.wait()
        await write_marks(seqs, failures)

    relay._write_marks = held
    return may_mark


async def test_a_read_taken_before_a_mark_and_returned_after_it_publishes_nothing_again(env: Env) -> None:
    ids = await _outbox_with(env.db, aggregates=10, versions=3)
    relay = env.relay()
    may_mark = _hold_marks(relay)
    assert await relay.publish_pending() == (30, 0)

    pending_rows = relay._pending_rows
    snapshot_taken, may_return = asyncio.Event(), asyncio.Event()
    seen: list[int] = []

    async def held_read(limit: int) -> list[Any]:
        rows = await pending_rows(limit)  # done before the marks land: every row still shows pending
        seen.append(len(rows))
        snapshot_taken.set()
        await may_return.wait()
        return rows

    relay._pending_rows = held_read
    second = asyncio.create_task(relay.publish_pending())
    await snapshot_taken.wait()
    may_mark.set()
    await relay._finish_marking()  # the marks commit while the read is still held
    assert await _unmarked(env.db) == 0
    may_return.set()
    assert await second == (0, 0)
    assert seen == [30]

    wire = await env.wire.settled()
    assert Counter(event_id for event_id, _ in wire) == Counter(ids)  # each exactly once
    await relay.close()


async def test_rows_published_but_not_marked_are_published_again_after_a_restart(env: Env) -> None:
    ids = await _outbox_with(env.db, aggregates=5, versions=2)
    crashed = env.relay()
    mark_attempted = asyncio.Event()

    async def dies_before_marking(seqs: list[int], failures: dict[int, str]) -> None:
        mark_attempted.set()
        raise ConnectionError("the process is gone")

    crashed._write_marks = dies_before_marking
    assert await crashed.publish_pending() == (10, 0)
    await mark_attempted.wait()
    assert await _unmarked(env.db) == 10

    restarted = env.relay()  # a new process: nothing in memory
    assert await restarted.publish_pending() == (10, 0)
    await restarted.close()
    assert await _unmarked(env.db) == 0

    wire = await env.wire.settled()
    assert Counter(event_id for event_id, _ in wire) == Counter({event_id: 2 for event_id in ids})
    assert all(event_id == body["id"] for event_id, body in wire)  # the same Nats-Msg-Id both times
    nc = await nats.connect(env.nats_url)
    try:
        stream = await nc.jetstream().stream_info("PORTFOLIO")
    finally:
        await nc.close()
    assert stream.state.messages == 10  # JetStream dropped the copies by their Nats-Msg-Id


async def test_the_outbox_gauges_leave_out_rows_published_but_not_marked(env: Env) -> None:
    await _outbox_with(env.db, aggregates=4, versions=5, created_at=utcnow() - timedelta(hours=1))
    relay = env.relay()
    may_mark = _hold_marks(relay)
    assert await relay.publish_pending() == (20, 0)
    await _outbox_with(env.db, aggregates=3, versions=1)  # committed after the round: still to go

    await relay.refresh_metrics()
    assert _gauge("pmo_outbox_pending") == 3
    assert (_gauge("pmo_outbox_oldest_age_seconds") or 0) < 600  # not the hour-old, published rows

    may_mark.set()
    await relay._finish_marking()
    await relay.refresh_metrics()
    assert (_gauge("pmo_outbox_pending"), await _unmarked(env.db)) == (3, 3)
    await relay.close()


@asynccontextmanager
async def _write_lock_held(db: Database, database_url: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Another writer holds the outbox's write lock (reads still run); yields its release."""
    if db.sqlite:
        writer = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")

        async def release_sqlite() -> None:
            writer.execute("COMMIT")

        try:
            yield release_sqlite
        finally:
            writer.close()
        return
    async with db.engine.connect() as conn:
        await conn.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))  # blocks UPDATE, not SELECT
        yield conn.rollback


async def test_the_relay_publishes_while_the_write_lock_is_held_and_keeps_each_aggregates_order(
    env: Env, database_url: str
) -> None:
    await _outbox_with(env.db, aggregates=20, versions=5)
    relay = env.relay()
    async with _write_lock_held(env.db, database_url) as release:
        published = await asyncio.wait_for(relay.publish_pending(), timeout=20)
        assert published == (100, 0)  # before the lock is free
        assert await _unmarked(env.db) == 100  # marking them waits for the lock, publishing did not
        await release()

        async def all_marked() -> bool:
            return await _unmarked(env.db) == 0

        await eventually(all_marked, timeout=20)
    await relay.close()
    by_aggregate: dict[object, list[object]] = defaultdict(list)
    for _, body in await env.wire.settled():
        by_aggregate[body["subject"]].append(body["sequence"])
    assert len(by_aggregate) == 20
    assert all(sequences == [1, 2, 3, 4, 5] for sequences in by_aggregate.values())


async def test_a_failed_publish_stops_its_aggregate_for_the_round_and_is_noted_with_the_marks(
    env: Env,
) -> None:
    await _outbox_with(env.db, aggregates=3, versions=2)
    async with env.db.transaction() as session:  # one aggregate's first event goes where no stream is
        first = (await session.execute(select(func.min(OUTBOX.c.seq)))).scalar_one()
        await session.execute(
            OUTBOX.update().where(OUTBOX.c.seq == first).values(subject="relaytest-nowhere.x")
        )
    relay = env.relay()
    assert await relay.publish_pending() == (4, 1)  # its second event waits: never ahead of the first
    await relay.close()
    async with env.db.read_sessionmaker() as session:
        rows = (await session.execute(select(OUTBOX).where(OUTBOX.c.published_at.is_(None)))).all()
    assert [(row.seq, row.attempts) for row in rows if row.seq == first] == [(first, 1)]
    assert len(rows) == 2 and all(row.aggregate_id == rows[0].aggregate_id for row in rows)
    assert rows[0].last_error


# --- the ledger alone, against a model of snapshots ------------------------------------------------

# Who does what, each in its own order; hypothesis interleaves them. The marker takes the unmarked
# rows and commits their mark, twice; each read begins, takes its snapshot of the marks, and ends.
_ACTORS = {
    "publisher": ["publish"] * 4,
    "marker": ["take", "commit"] * 2,
    **{f"read{i}": ["begin", "snapshot", "end"] for i in range(3)},
}


@given(st.permutations([actor for actor, steps in _ACTORS.items() for _ in steps]))
def test_no_read_takes_a_published_row_as_pending_whatever_the_interleaving(order: list[str]) -> None:
    """Rows 1..4 are committed. No read may return a row as pending that was published, and none
    may skip a row nobody published."""
    ledger = PublishedLedger()
    todo = {actor: iter(steps) for actor, steps in _ACTORS.items()}
    db_marked: set[int] = set()
    published: set[int] = set()
    marking: list[int] = []
    began: dict[str, int] = {}
    snapshots: dict[str, set[int]] = {}
    for actor in order:
        step = next(todo[actor])
        if step == "publish":
            published.add(len(published) + 1)
            ledger.published([len(published)])
        elif step == "take":
            marking = sorted(ledger.unmarked)
        elif step == "commit":
            db_marked.update(marking)
            ledger.marked(marking)
        elif step == "begin":
            began[actor] = ledger.begin_read()
        elif step == "snapshot":
            snapshots[actor] = set(db_marked)
        else:
            shows_pending = {1, 2, 3, 4} - snapshots[actor]
            skip = ledger.skipped()
            ledger.end_read(began[actor])
            assert shows_pending & published <= skip
            assert skip <= published

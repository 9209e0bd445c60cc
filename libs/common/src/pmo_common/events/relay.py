"""The outbox relay: publishes committed outbox rows to JetStream, in order per aggregate.

It reads not-yet-published rows (never `seq > last_seen`, which skips rows whose transactions
commit out of order), publishes them with `Nats-Msg-Id` = event id so JetStream drops the copies a
retry may send, and marks them published. A publish that times out is "unknown" and simply retried
with the same id. Different aggregates publish concurrently; one aggregate's events go one at a
time in version order, and the first failure stops that aggregate until the next round. On
PostgreSQL one relay per service runs at a time (a session advisory lock); it is woken by commits
and backed by a periodic poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_common.db import Database, utcnow
from pmo_common.events.nats import NatsConnection
from pmo_common.events.outbox import OUTBOX
from pmo_common.metrics import EVENTS_PUBLISHED, OUTBOX_OLDEST_AGE, OUTBOX_PENDING, OUTBOX_PUBLISH_ERRORS

log = logging.getLogger("pmo.relay")

BATCH = 500
PUBLISH_TIMEOUT = 2.0
RETENTION = timedelta(hours=24)
FLUSH_SECONDS = 0.25


class OutboxRelay:
    def __init__(
        self, db: Database, nats: NatsConnection, service: str, *, poll_seconds: float = 0.5
    ) -> None:
        self.db = db
        self.nats = nats
        self.service = service
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._lock_conn: AsyncConnection | None = None
        self._last_cleanup = 0.0
        self._last_metrics = 0.0
        self._stopping = False
        self._unflushed: set[int] = set()
        self._last_flush = 0.0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the current round and return; cancelling mid-round could leave a transaction open."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        delay = self.poll_seconds
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()
            if self._stopping:
                return
            # Commits arrive in bursts: gather a few milliseconds' worth into one round and one UPDATE.
            await asyncio.sleep(0.005)
            try:
                await self._maybe_refresh_metrics()
                published, failed = await self.publish_pending() if await self._is_leader() else (0, 0)
                await self._cleanup()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay round failed")
                published, failed = 0, 1
            if published == BATCH:
                delay = 0.0  # more is waiting
            elif failed:
                delay = min(max(delay * 2, self.poll_seconds), 5.0)  # back off while NATS is unwell
            else:
                delay = self.poll_seconds

    async def _maybe_refresh_metrics(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._last_metrics >= self.poll_seconds:
            self._last_metrics = now
            await self.refresh_metrics()

    async def refresh_metrics(self) -> None:
        async with self.db.read_sessionmaker() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(OUTBOX.c.created_at)).where(OUTBOX.c.published_at.is_(None))
                )
            ).one()
        OUTBOX_PENDING.labels(self.service).set(max(0, count - len(self._unflushed)))
        if oldest is not None and oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        OUTBOX_OLDEST_AGE.labels(self.service).set((utcnow() - oldest).total_seconds() if oldest else 0)

    async def _is_leader(self) -> bool:
        if self.db.sqlite:
            return True
        if self._lock_conn is not None and not self._lock_conn.closed:
            try:
                await self._lock_conn.execute(text("SELECT 1"))
                return True
            except Exception:
                await self._release_lock()
        conn = await self.db.engine.connect()
        key = zlib.crc32(f"pmo-outbox-relay:{self.service}".encode())
        got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar()
        await conn.commit()
        if got:
            self._lock_conn = conn
            return True
        await conn.close()
        return False

    async def _release_lock(self) -> None:
        if self._lock_conn is not None:
            with contextlib.suppress(Exception):
                await self._lock_conn.close()
            self._lock_conn = None

    async def publish_pending(self) -> tuple[int, int]:
        """One round: returns (published, failed).

        Published rows are remembered in memory and marked in the table in batches (`_flush`), so the
        relay takes the database's write lock a few times a second rather than once per commit; rows a
        crash leaves unmarked are published again and JetStream drops them by `Nats-Msg-Id`."""
        if not self.nats.connected:
            return 0, 0
        async with self.db.read_sessionmaker() as session:
            rows = (
                await session.execute(
                    select(
                        OUTBOX.c.seq,
                        OUTBOX.c.event_id,
                        OUTBOX.c.subject,
                        OUTBOX.c.aggregate_id,
                        OUTBOX.c.payload,
                    )
                    .where(OUTBOX.c.published_at.is_(None))
                    .order_by(OUTBOX.c.seq)
                    .limit(BATCH + len(self._unflushed))
                )
            ).all()
        rows = [row for row in rows if row.seq not in self._unflushed][:BATCH]
        if not rows:
            await self._flush(now=True)  # idle: mark what was published, so the next reads stay small
            return 0, 0
        groups: OrderedDict[str, list[Any]] = OrderedDict()
        for row in rows:
            groups.setdefault(row.aggregate_id, []).append(row)
        results = await asyncio.gather(*(self._publish_group(group) for group in groups.values()))
        published = [seq for done, _ in results for seq in done]
        failures = [(seq, err) for _, failure in results if failure for seq, err in [failure]]
        self._unflushed.update(published)
        if failures:
            async with self.db.transaction() as session:
                for seq, error in failures:
                    await session.execute(
                        update(OUTBOX)
                        .where(OUTBOX.c.seq == seq)
                        .values(attempts=OUTBOX.c.attempts + 1, last_error=error[:500])
                    )
        await self._flush()
        return len(published), len(failures)

    async def _flush(self, *, now: bool = False) -> None:
        """Mark remembered rows published: when many are waiting, every FLUSH_SECONDS, or when idle."""
        if not self._unflushed:
            return
        loop = asyncio.get_running_loop()
        due = now or loop.time() - self._last_flush >= FLUSH_SECONDS or len(self._unflushed) >= BATCH
        if not due:
            return
        seqs = sorted(self._unflushed)
        now = utcnow()
        async with self.db.transaction() as session:
            for start in range(0, len(seqs), 400):
                await session.execute(
                    update(OUTBOX).where(OUTBOX.c.seq.in_(seqs[start : start + 400])).values(published_at=now)
                )
        self._unflushed.difference_update(seqs)
        self._last_flush = loop.time()

    async def _publish_group(self, group: list[Any]) -> tuple[list[int], tuple[int, str] | None]:
        done: list[int] = []
        for row in group:
            try:
                await self.nats.js.publish(
                    row.subject,
                    row.payload.encode(),
                    timeout=PUBLISH_TIMEOUT,
                    headers={"Nats-Msg-Id": row.event_id},
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A timeout may mean "stored but unacknowledged": the retry reuses the id.
                OUTBOX_PUBLISH_ERRORS.labels(self.service).inc()
                return done, (row.seq, f"{type(exc).__name__}: {exc}")
            EVENTS_PUBLISHED.labels(self.service, row.subject).inc()
            done.append(row.seq)
        return done, None

    async def _cleanup(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_cleanup < 60:
            return
        self._last_cleanup = loop.time()
        async with self.db.transaction() as session:
            await session.execute(
                delete(OUTBOX).where(
                    OUTBOX.c.published_at.is_not(None), OUTBOX.c.published_at < utcnow() - RETENTION
                )
            )

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._flush(now=True)
        await self._release_lock()

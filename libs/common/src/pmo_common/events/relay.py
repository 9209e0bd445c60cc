"""The outbox relay: publishes committed outbox rows to JetStream, in order per aggregate.

It reads not-yet-published rows (never `seq > last_seen`, which skips rows whose transactions
commit out of order), publishes them with `Nats-Msg-Id` = event id so JetStream drops the copies a
retry may send, and marks them published. A publish that times out is "unknown" and simply retried
with the same id. Publishing is pipelined in waves: a wave sends the next event of every aggregate
at once (`publish_async`, no task per event) and then waits for their acks together, so one
aggregate's events still go one at a time in version order, and the first failure stops that
aggregate until the next round. Marking rows published happens beside publishing, in a task of its
own, so a round never waits behind request writers for the write lock. On PostgreSQL one relay per
service runs at a time (a session advisory lock); it is woken by commits and backed by a periodic poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections import deque
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
        self._flush_task: asyncio.Task[None] | None = None

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
            # Commits arrive in bursts: gather a couple of milliseconds' worth into one round.
            await asyncio.sleep(0.002)
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
        unflushed = set(self._unflushed)  # published, not yet marked: neither pending nor old
        pending = OUTBOX.c.published_at.is_(None)
        async with self.db.read_sessionmaker() as session:
            count = (await session.execute(select(func.count()).where(pending))).scalar_one()
            first = (
                await session.execute(
                    select(OUTBOX.c.seq, OUTBOX.c.created_at)
                    .where(pending)
                    .order_by(OUTBOX.c.seq)
                    .limit(len(unflushed) + 1)
                )
            ).all()
        OUTBOX_PENDING.labels(self.service).set(max(0, count - len(unflushed)))
        oldest = min((row.created_at for row in first if row.seq not in unflushed), default=None)
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
            await self._flush()  # idle: mark what was published, so the next reads stay small
            return 0, 0
        published, failures = await self._publish_waves(rows)
        self._unflushed.update(published)
        if failures:
            async with self.db.transaction() as session:
                for seq, error in failures:
                    await session.execute(
                        update(OUTBOX)
                        .where(OUTBOX.c.seq == seq)
                        .values(attempts=OUTBOX.c.attempts + 1, last_error=error[:500])
                    )
        self._flush_soon()
        return len(published), len(failures)

    def _flush_soon(self) -> None:
        """Mark remembered rows published, in the background, when many are waiting or every
        FLUSH_SECONDS: the UPDATE queues for the write lock behind requests, publishing does not."""
        if not self._unflushed or (self._flush_task is not None and not self._flush_task.done()):
            return
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_flush >= FLUSH_SECONDS or len(self._unflushed) >= BATCH:
            self._flush_task = asyncio.create_task(self._flush_logged(), name=f"{self.service}-outbox-flush")

    async def _flush_logged(self) -> None:
        try:
            await self._flush()
        except Exception:
            log.exception("marking published outbox rows failed; they are marked later")

    async def _flush(self) -> None:
        """Mark remembered rows published (rows a crash leaves unmarked are published again)."""
        if self._flush_task is not None and self._flush_task is not asyncio.current_task():
            await asyncio.gather(self._flush_task, return_exceptions=True)  # one UPDATE at a time
        if not self._unflushed:
            return
        loop = asyncio.get_running_loop()
        seqs = sorted(self._unflushed)
        now = utcnow()
        async with self.db.transaction() as session:
            for start in range(0, len(seqs), 400):
                await session.execute(
                    update(OUTBOX).where(OUTBOX.c.seq.in_(seqs[start : start + 400])).values(published_at=now)
                )
        self._unflushed.difference_update(seqs)
        self._last_flush = loop.time()

    async def _publish_waves(self, rows: list[Any]) -> tuple[list[int], list[tuple[int, str]]]:
        """Publish `rows` (in seq order): wave n sends the n-th event of every aggregate still going."""
        queues: dict[str, deque[Any]] = {}
        for row in rows:
            queues.setdefault(row.aggregate_id, deque()).append(row)
        done: list[int] = []
        failures: list[tuple[int, str]] = []
        while queues:
            wave = [queue.popleft() for queue in queues.values()]
            for row, error in zip(wave, await self._publish_wave(wave), strict=True):
                if error is None:
                    EVENTS_PUBLISHED.labels(self.service, row.subject).inc()
                    done.append(row.seq)
                else:
                    # A timeout may mean "stored but unacknowledged": the retry reuses the id.
                    OUTBOX_PUBLISH_ERRORS.labels(self.service).inc()
                    failures.append((row.seq, error))
                    queues.pop(row.aggregate_id)  # its later events wait for the next round
            queues = {aggregate: queue for aggregate, queue in queues.items() if queue}
        return done, failures

    async def _publish_wave(self, wave: list[Any]) -> list[str | None]:
        """Send every row without waiting, then wait for all acks at once: None, or why it failed."""
        sent: list[asyncio.Future[Any] | BaseException] = []
        for row in wave:
            try:
                sent.append(
                    await self.nats.js.publish_async(
                        row.subject, row.payload.encode(), headers={"Nats-Msg-Id": row.event_id}
                    )
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                sent.append(exc)
        futures = [f for f in sent if isinstance(f, asyncio.Future)]
        if futures:
            _, late = await asyncio.wait(futures, timeout=PUBLISH_TIMEOUT)
            for future in late:
                future.cancel()
        return [_outcome(f) for f in sent]

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
            await self._flush()
        await self._release_lock()


def _outcome(sent: asyncio.Future[Any] | BaseException) -> str | None:
    if isinstance(sent, BaseException):
        return f"{type(sent).__name__}: {sent}"
    if sent.cancelled():
        return f"TimeoutError: no acknowledgement within {PUBLISH_TIMEOUT} s"
    error = sent.exception()
    return None if error is None else f"{type(error).__name__}: {error}"

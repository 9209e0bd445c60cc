"""The outbox relay: publishes committed outbox rows to JetStream, in order per aggregate.

It reads not-yet-published rows (never `seq > last_seen`, which skips rows whose transactions
commit out of order), publishes them with `Nats-Msg-Id` = event id so JetStream drops the copies a
retry may send, and marks them published. A publish that times out is "unknown" and simply retried
with the same id.

Publishing is pipelined in waves: a wave sends the next event of every aggregate at once
(`publish_async`, no task per event) and then waits for their acks together, so one aggregate's
events still go one at a time in version order, and the first failure stops that aggregate until
the next round. Marking rows published runs beside publishing, in a task of its own, so a round
never waits behind request writers for the write lock. That leaves published rows unmarked for a
while, and a pending-rows read whose snapshot predates a mark still shows its rows as pending:
`PublishedLedger` makes every read skip both, so a row goes out twice only when the process stops
between its publish and its mark (and then with the same `Nats-Msg-Id`).

On PostgreSQL one relay per service runs at a time (a session advisory lock); it is woken by commits
and backed by a periodic poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import zlib
from collections import deque
from datetime import timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, all_, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_common.db import Database, utcnow
from pmo_common.events.ledger import PublishedLedger
from pmo_common.events.nats import NatsConnection
from pmo_common.events.outbox import OUTBOX
from pmo_common.metrics import EVENTS_PUBLISHED, OUTBOX_OLDEST_AGE, OUTBOX_PENDING, OUTBOX_PUBLISH_ERRORS

log = logging.getLogger("pmo.relay")

BATCH = 500
PUBLISH_TIMEOUT = 2.0
RETENTION = timedelta(hours=24)
MARK_SECONDS = 0.25
# The relay's own budget: past this many published-but-unmarked rows a round waits for their mark
# (behind the write lock) before publishing more, so memory and every read's skip set stay bounded.
MAX_UNMARKED = 4 * BATCH


class OutboxRelay:
    def __init__(
        self, db: Database, nats: NatsConnection, service: str, *, poll_seconds: float = 0.5
    ) -> None:
        self.db = db
        self.nats = nats
        self.service = service
        self.poll_seconds = poll_seconds
        self.ledger = PublishedLedger()
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()  # two rounds at once would both publish the rows both read
        self._lock_conn: AsyncConnection | None = None
        self._last_cleanup = 0.0
        self._last_metrics = 0.0
        self._stopping = False
        self._failures: dict[int, str] = {}  # seq -> why its publish failed, recorded with the marks
        self._marker: asyncio.Task[None] | None = None
        self._cleaner: asyncio.Task[None] | None = None
        self._last_mark = 0.0

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
                published, failed = await self._round_as_leader()
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

    async def _round_as_leader(self) -> tuple[int, int]:
        await self._maybe_refresh_metrics()
        if not await self._is_leader():
            self._mark_soon(idle=True)  # what it published while it led is marked all the same
            return 0, 0
        published = await self.publish_pending()
        self._cleanup_soon()
        return published

    async def _maybe_refresh_metrics(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._last_metrics >= self.poll_seconds:
            self._last_metrics = now
            await self.refresh_metrics()

    async def refresh_metrics(self) -> None:
        """Pending rows and the oldest one's age, not counting rows published but not marked yet."""
        began = self.ledger.begin_read()
        try:
            pending = OUTBOX.c.published_at.is_(None)
            skip = self.ledger.skipped()
            if skip:
                pending = pending & self._not_among(sorted(skip))
            async with self.db.read_sessionmaker() as session:
                count, oldest = (
                    await session.execute(select(func.count(), func.min(OUTBOX.c.created_at)).where(pending))
                ).one()
        finally:
            self.ledger.end_read(began)
        OUTBOX_PENDING.labels(self.service).set(count)
        if oldest is not None and oldest.tzinfo is None:  # func.min() skips the column's UTC type
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        OUTBOX_OLDEST_AGE.labels(self.service).set((utcnow() - oldest).total_seconds() if oldest else 0)

    def _not_among(self, seqs: list[int]) -> ColumnElement[bool]:
        """`seq NOT IN seqs` as one bound parameter, so the statement's text (and PostgreSQL's
        prepared-statement cache) stays the same whatever the number of seqs."""
        if self.db.sqlite:
            listed = func.json_each(bindparam("skip", json.dumps(seqs))).table_valued("value")
            return OUTBOX.c.seq.not_in(select(listed.c.value))
        return OUTBOX.c.seq != all_(bindparam("skip", seqs, type_=ARRAY(BigInteger)))

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
        """One round: returns (published, failed). Published rows go to the ledger and are marked
        in the table by the marker task (`_mark_soon`), a few times a second rather than per commit."""
        if not self.nats.connected:
            return 0, 0
        async with self._round:
            if len(self.ledger.unmarked) >= MAX_UNMARKED:
                await self._finish_marking()
            rows = await self._read_pending()
            if not rows:
                self._mark_soon(idle=True)  # mark what was published, so the next reads stay small
                return 0, 0
            published, failures = await self._publish_waves(rows)
            self.ledger.published(published)
            self._failures.update(failures)
            self._mark_soon()
            return len(published), len(failures)

    async def _read_pending(self) -> list[Any]:
        """Up to BATCH pending rows in seq order, less those the ledger says are published."""
        began = self.ledger.begin_read()
        try:
            rows = await self._pending_rows(BATCH + self.ledger.size())
            skip = self.ledger.skipped()  # after the read: it includes the marks made meanwhile
        finally:
            self.ledger.end_read(began)
        return [row for row in rows if row.seq not in skip][:BATCH]

    async def _pending_rows(self, limit: int) -> list[Any]:
        async with self.db.read_sessionmaker() as session:
            result = await session.execute(
                select(
                    OUTBOX.c.seq, OUTBOX.c.event_id, OUTBOX.c.subject, OUTBOX.c.aggregate_id, OUTBOX.c.payload
                )
                .where(OUTBOX.c.published_at.is_(None))
                .order_by(OUTBOX.c.seq)
                .limit(limit)
            )
            return list(result.all())

    def _mark_soon(self, *, idle: bool = False) -> None:
        """Start the marker when idle, when many rows wait, or every MARK_SECONDS; one at a time."""
        if self._marker is not None and not self._marker.done():
            return
        if not self.ledger.unmarked and not self._failures:
            return
        loop = asyncio.get_running_loop()
        many = len(self.ledger.unmarked) >= BATCH or bool(self._failures)
        if idle or many or loop.time() - self._last_mark >= MARK_SECONDS:
            self._marker = asyncio.create_task(self._mark_logged(), name=f"{self.service}-outbox-mark")

    async def _mark_logged(self) -> None:
        try:
            await self._mark()
        except Exception:
            log.exception("marking published outbox rows failed; they are marked later")

    async def _finish_marking(self) -> None:
        """Wait for the running marker, then mark whatever is left (budget reached, or closing)."""
        if self._marker is not None:
            await asyncio.gather(self._marker, return_exceptions=True)
        if self.ledger.unmarked or self._failures:
            await self._mark()

    async def _mark(self) -> None:
        seqs = sorted(self.ledger.unmarked)
        failures, self._failures = self._failures, {}
        try:
            await self._write_marks(seqs, failures)
        except BaseException:
            self._failures = {**failures, **self._failures}  # noted again next time
            raise
        self.ledger.marked(seqs)  # only now: until the commit returned, a read could see them pending
        self._last_mark = asyncio.get_running_loop().time()

    async def _write_marks(self, seqs: list[int], failures: dict[int, str]) -> None:
        now = utcnow()
        async with self.db.transaction() as session:
            for start in range(0, len(seqs), 400):
                await session.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.seq.in_(seqs[start : start + 400]), OUTBOX.c.published_at.is_(None))
                    .values(published_at=now)
                )
            for seq, error in failures.items():
                await session.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.seq == seq)
                    .values(attempts=OUTBOX.c.attempts + 1, last_error=error[:500])
                )

    async def _publish_waves(self, rows: list[Any]) -> tuple[list[int], dict[int, str]]:
        """Publish `rows` (in seq order): wave n sends the n-th event of every aggregate still going."""
        queues: dict[str, deque[Any]] = {}
        for row in rows:
            queues.setdefault(row.aggregate_id, deque()).append(row)
        done: list[int] = []
        failures: dict[int, str] = {}
        while queues:
            wave = [queue.popleft() for queue in queues.values()]
            for row, error in zip(wave, await self._publish_wave(wave), strict=True):
                if error is None:
                    EVENTS_PUBLISHED.labels(self.service, row.subject).inc()
                    done.append(row.seq)
                else:
                    # A timeout may mean "stored but unacknowledged": the retry reuses the id.
                    OUTBOX_PUBLISH_ERRORS.labels(self.service).inc()
                    failures[row.seq] = error
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

    def _cleanup_soon(self) -> None:
        """Once a minute, beside the rounds (it takes the write lock too)."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_cleanup < 60 or (self._cleaner is not None and not self._cleaner.done()):
            return
        self._last_cleanup = loop.time()
        self._cleaner = asyncio.create_task(self._cleanup_logged(), name=f"{self.service}-outbox-cleanup")

    async def _cleanup_logged(self) -> None:
        try:
            await self._cleanup()
        except Exception:
            log.exception("deleting old published outbox rows failed; tried again in a minute")

    async def _cleanup(self) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                delete(OUTBOX).where(
                    OUTBOX.c.published_at.is_not(None), OUTBOX.c.published_at < utcnow() - RETENTION
                )
            )

    async def close(self) -> None:
        if self._cleaner is not None:
            await asyncio.gather(self._cleaner, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._finish_marking()
        await self._release_lock()


def _outcome(sent: asyncio.Future[Any] | BaseException) -> str | None:
    if isinstance(sent, BaseException):
        return f"{type(sent).__name__}: {sent}"
    if sent.cancelled():
        return f"TimeoutError: no acknowledgement within {PUBLISH_TIMEOUT} s"
    error = sent.exception()
    return None if error is None else f"{type(error).__name__}: {error}"

"""The delivery worker (a `ServiceSpec.background` job): sends the due deliveries from the table,
logs each attempt, and schedules the next one by the retry policy until a 2xx or the horizon.

Everything it needs is in the database, so a restart loses nothing: a delivery waiting out its
backoff is sent by the next process when due, and one whose attempt was cut short is claimed again
once its claim runs out (so it may arrive twice: receivers deduplicate by `webhook-id`). It is woken
by the commit that records new deliveries and otherwise polls at least every `poll` seconds; several
replicas share the table safely (a claim is one compare-and-set)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta

from pmo_common.app import ServiceContext
from pmo_common.db import Database, utcnow
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.webhooks import repository
from pmo_reporting.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from pmo_reporting.webhooks.policy import DEFAULT_POLICY, RetryPolicy
from pmo_reporting.webhooks.recorder import RECORDED
from pmo_reporting.webhooks.schemas import DeliveryStatus
from pmo_reporting.webhooks.sender import Outcome, Sender
from pmo_reporting.webhooks.signing import signed_headers
from pmo_reporting.webhooks.targets import AllowList

log = logging.getLogger("pmo.webhooks")

ATTEMPTS = Counter("pmo_webhook_attempts_total", "Webhook delivery attempts by result.", ["result"])
DELIVERY_SECONDS = Histogram(
    "pmo_webhook_delivery_seconds",
    "From a webhook delivery's recording (its event consumed) to its 2xx.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
)

# An attempt's outcome as logged: its delivery, the delivery's new values and the log row.
Finished = tuple[uuid.UUID, dict[str, object], WebhookAttempt]

POLICY: RetryPolicy = DEFAULT_POLICY  # read when the job starts (tests shorten it)


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        policy: RetryPolicy,
        *,
        batch: int = 50,
        concurrency: int = 20,
        poll: float = 1.0,
    ) -> None:
        self.db = db
        self.sender = sender
        self.policy = policy
        self.batch = batch
        self.concurrency = concurrency
        self.poll = poll
        # Longer than any attempt can take, so a claim outlives the attempt it covers.
        self.lease = timedelta(seconds=sender.limits.total_seconds + 20)
        self._running: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self.log = AttemptLog(db)

    def on_commit(self, session: AsyncSession) -> None:
        if session.info.pop(RECORDED, False):
            self._wake.set()

    async def run(self) -> None:
        """Keep up to `concurrency` attempts under way, each on its own (a slow receiver holds up no
        other), claiming more as they finish; cancelled, it cancels the attempts under way."""
        try:
            while True:
                try:
                    if not await self._claim_more():
                        await self._idle()
                except asyncio.CancelledError:
                    raise
                except Exception:  # the database away, say: try again shortly
                    log.exception("webhook delivery round failed; retrying")
                    await asyncio.sleep(self.poll)
        finally:
            running = list(self._running)
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            await self.log.close()  # what finished before the cancel is still logged

    async def _claim_more(self) -> int:
        """Claim as many due deliveries as there are free slots and start their attempts."""
        free = min(self.concurrency - len(self._running), self.batch)
        if free <= 0:
            return 0
        now = utcnow()
        async with self.db.transaction() as session:
            ids = await repository.due_ids(session, now, free)
            claimed = await repository.claim(session, ids, now, now + self.lease) if ids else []
        for delivery, webhook in claimed:
            task = asyncio.create_task(self._attempt(delivery, webhook), name=f"webhook-{delivery.id}")
            self._running.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:  # its claim runs out: tried again
            log.error("webhook attempt %s not recorded: %r", task.get_name(), task.exception())
        self._wake.set()  # a slot is free

    async def _idle(self) -> None:
        self._wake.clear()  # before looking, so a delivery recorded meanwhile still wakes us
        wait = self.poll
        if len(self._running) < self.concurrency:
            async with self.db.transaction(read_only=True) as session:
                due = await repository.next_due(session)
            if due is not None:
                wait = min(max((due - utcnow()).total_seconds(), 0.0), self.poll)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _attempt(self, delivery: WebhookDelivery, webhook: Webhook) -> None:
        started = utcnow()
        headers = signed_headers(webhook.secret, str(delivery.id), started, delivery.payload)
        outcome = await self.sender.send(webhook.url, headers, delivery.payload.encode())
        await self._log(delivery, started, outcome)

    async def _log(self, delivery: WebhookDelivery, started: datetime, outcome: Outcome) -> None:
        number = delivery.attempt_count + 1
        finished = utcnow()
        values: dict[str, object] = {"attempt_count": number}
        next_at: datetime | None = None
        if outcome.delivered:
            values |= {"status": DeliveryStatus.delivered.value, "delivered_at": finished}
            ATTEMPTS.labels("delivered").inc()
            DELIVERY_SECONDS.observe(max((finished - delivery.created_at).total_seconds(), 0.0))
        elif self.policy.gives_up(delivery.created_at, finished):
            values |= {"status": DeliveryStatus.failed.value}
            ATTEMPTS.labels("given_up").inc()
            log.warning("webhook delivery %s given up after %d attempts", delivery.id, number)
        else:
            next_at = finished + timedelta(seconds=self.policy.delay(number, retry_after=outcome.retry_after))
            ATTEMPTS.labels("failed").inc()
        values["next_attempt_at"] = next_at
        attempt = WebhookAttempt(
            delivery_id=delivery.id,
            attempt=number,
            started_at=started,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
            next_attempt_at=next_at,
        )
        await self.log.write(delivery.id, values, attempt)


class AttemptLog:
    """Writes finished attempts to the table. Those that finish while a write is under way go
    together in the next one: a busy worker takes the write lock (SQLite's one writer) once per
    group rather than once per attempt. `write` returns once its attempt is committed (so the
    attempt's claim covers it until then) and raises if it could not be written."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[tuple[Finished, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, delivery_id: uuid.UUID, values: dict[str, object], attempt: WebhookAttempt) -> None:
        done = asyncio.get_running_loop().create_future()
        self._queue.append(((delivery_id, values, attempt), done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="webhook-attempt-log")
        await done

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _drain(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            if not await self._settle(group, alone=len(group) == 1):
                # One row that cannot be written (or the database away) fails its whole group: each
                # is then written on its own, so only what cannot be written fails.
                for one in group:
                    await self._settle([one], alone=True)

    async def _settle(self, group: list[tuple[Finished, asyncio.Future[None]]], *, alone: bool) -> bool:
        """Write `group` and tell its attempts; False if the write failed and, not `alone`, they
        have not been told yet."""
        try:
            await self._write([finished for finished, _ in group])
        except Exception as exc:
            if not alone:
                return False
            outcome: BaseException | None = exc
        else:
            outcome = None
        for _, done in group:
            if done.done():  # its attempt was cancelled meanwhile (stopping): nobody waits for it
                continue
            if outcome is None:
                done.set_result(None)
            else:
                done.set_exception(outcome)
        return True

    async def _write(self, group: list[Finished]) -> None:
        async with self.db.transaction() as session:
            for delivery_id, values, attempt in group:
                if await repository.finish_attempt(session, delivery_id, values):  # else: webhook deleted
                    session.add(attempt)


async def deliver_webhooks(ctx: ServiceContext) -> None:
    """The background job: runs until the service stops (cancelled between or inside attempts)."""
    sender = Sender(AllowList.parse(ctx.settings.webhook_allowed_hosts))
    worker = DeliveryWorker(ctx.db, sender, POLICY)
    ctx.db.on_commit(worker.on_commit)
    try:
        await worker.run()
    finally:
        await sender.close()

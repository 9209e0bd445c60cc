"""Durable pull consumers with an inbox: exactly-once effects over at-least-once delivery.

Each handled event id is recorded in the inbox in the same transaction as the handler's effect,
and the message is acked only after that commit. A redelivered event finds its id in the inbox and
is acked without being applied again. A message that keeps failing is moved to the dead-letter
stream after `max_deliver` attempts (and counted); one that is not even a valid envelope goes
there at once. An event whose subject the service has no handler for is acknowledged and counted
(`result="ignored"`), never dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import Event
from pmo_common.contracts.streams import STREAMS, dead_letter_subject
from pmo_common.db import INBOX_TABLE, Database, utcnow
from pmo_common.events.nats import NatsConnection
from pmo_common.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED
from pmo_common.observability import request_id_var

log = logging.getLogger("pmo.consumer")

INBOX: Table = INBOX_TABLE

EventHandler = Callable[[AsyncSession, Any], Awaitable[None]]
"""`async def handler(session, event: ProjectCreated | ProjectUpdated) -> None`."""


@dataclass
class Subscription:
    """`name` makes the durable `<service>--<name>`; `subjects` filter one upstream stream (one
    wildcard per aggregate, so an event added upstream later arrives, is acknowledged and is counted
    as `ignored` instead of going unseen); `routes` maps each handled subject to its handler."""

    name: str
    stream: str
    subjects: Sequence[str]
    routes: dict[str, tuple[type[Event[Any]], EventHandler]]

    async def dispatch(self, session: AsyncSession, envelope: CloudEvent) -> bool:
        """Apply one event; False when this subscription has no handler for its subject."""
        route = self.routes.get(envelope.nats_subject)
        if route is None:
            return False
        event_cls, handler = route
        await handler(session, event_cls.received(envelope))
        return True


@dataclass
class EventHandlers:
    """A service's consumed events, registered by event class:

        @handlers.on(ProjectCreated, ProjectUpdated, name="projects")
        async def on_project(session: AsyncSession, event: ProjectCreated | ProjectUpdated) -> None:
            event.data  # validated ProjectData

    Handlers sharing a `name` share one durable consumer (and so one order of delivery)."""

    subscriptions: list[Subscription] = field(default_factory=list)

    def on(self, *events: type[Event[Any]], name: str) -> Callable[[EventHandler], EventHandler]:
        services = {e.subject.split(".")[1] for e in events}
        if len(services) != 1:
            raise ValueError("one subscription reads one stream; register each service's events apart")
        service = services.pop()

        def register(fn: EventHandler) -> EventHandler:
            sub = self._subscription(name, service)
            for event in events:
                # The inbox is keyed by event id: a second subscription would find it handled.
                if any(event.subject in other.routes for other in self.subscriptions):
                    raise ValueError(f"{event.subject} is handled twice by this service")
                sub.routes[event.subject] = (event, fn)
                wildcard = f"pmo.{service}.{event.aggregate}.*"
                if wildcard not in sub.subjects:
                    sub.subjects = [*sub.subjects, wildcard]
            return fn

        return register

    def _subscription(self, name: str, service: str) -> Subscription:
        stream = STREAMS[service].name
        for sub in self.subscriptions:
            if sub.name == name:
                if sub.stream != stream:
                    raise ValueError(f"subscription {name!r} already reads {sub.stream}")
                return sub
        sub = Subscription(name, stream, [], {})
        self.subscriptions.append(sub)
        return sub


class EventConsumer:
    def __init__(
        self,
        db: Database,
        nats: NatsConnection,
        service: str,
        subscriptions: Sequence[Subscription],
        *,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        batch: int = 100,
    ) -> None:
        self.db = db
        self.nats = nats
        self.service = service
        self.subscriptions = list(subscriptions)
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.batch = batch
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._busy: set[asyncio.Task[Any]] = set()
        self.paused = asyncio.Event()
        self.paused.set()  # set = running

    def durable(self, sub: Subscription) -> str:
        return f"{self.service}--{sub.name}"

    def consumer_config(self, sub: Subscription) -> ConsumerConfig:
        filters = list(sub.subjects)
        return ConsumerConfig(
            durable_name=self.durable(sub),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
            max_ack_pending=self.batch * 10,
            filter_subject=filters[0] if len(filters) == 1 else None,
            filter_subjects=filters if len(filters) > 1 else None,
        )

    async def start(self) -> None:
        await self.nats.ready.wait()
        for sub in self.subscriptions:
            self._tasks.append(asyncio.create_task(self._run(sub), name=f"consumer-{self.durable(sub)}"))

    async def ensure_consumer(self, sub: Subscription) -> None:
        # Created or updated explicitly: a plain pull_subscribe keeps a durable's old config. The
        # server's durable create is create-or-update (editable fields such as the filter subjects
        # change in place); anything it refuses, or a timeout, raises and `_run` retries with backoff.
        # (nats-py has no `update_consumer`: the fallback that called it only masked the real error.)
        await self.nats.js.add_consumer(sub.stream, self.consumer_config(sub))

    async def delete_consumers(self) -> None:
        """Forget the durables' positions (used by a rebuild that replays from the start)."""
        for sub in self.subscriptions:
            with contextlib.suppress(NotFoundError):
                await self.nats.js.delete_consumer(sub.stream, self.durable(sub))

    async def _run(self, sub: Subscription) -> None:
        delay = 0.5
        while True:
            try:
                await self.nats.ready.wait()
                await self.ensure_consumer(sub)
                psub = await self.nats.js.pull_subscribe_bind(self.durable(sub), stream=sub.stream)
                delay = 0.5
                try:
                    while not self._closing:
                        await self.paused.wait()
                        try:
                            msgs = await psub.fetch(self.batch, timeout=1.0)
                        except (TimeoutError, NatsTimeoutError):
                            continue
                        task = asyncio.current_task()
                        assert task is not None
                        self._busy.add(task)
                        try:
                            if not self._closing:  # unacked ones come back after ack_wait
                                await self.handle_batch(sub, msgs)
                        finally:
                            self._busy.discard(task)
                finally:
                    with contextlib.suppress(Exception):
                        await psub.unsubscribe()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer %s interrupted (%s: %s); resubscribing",
                    self.durable(sub),
                    type(exc).__name__,
                    exc,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def handle_batch(self, sub: Subscription, msgs: list[Msg]) -> None:
        """A fetched batch in one transaction (one inbox query, one commit), in stream order; if any
        handler fails, the batch rolls back and its messages are handled one by one, so a poison
        message is retried and dead-lettered on its own without holding back the others."""
        if len(msgs) == 1:
            await self.handle(sub, msgs[0])
            return
        events: list[tuple[Msg, CloudEvent]] = []
        for msg in msgs:
            try:
                events.append((msg, CloudEvent.model_validate_json(msg.data)))
            except ValidationError:
                events = []
                break
        if not events:
            for msg in msgs:
                await self.handle(sub, msg)
            return
        try:
            results = await self._apply_batch(sub, [event for _, event in events])
        except asyncio.CancelledError:
            raise
        except Exception:
            for msg in msgs:
                await self.handle(sub, msg)
            return
        for (msg, _), result in zip(events, results, strict=True):
            await msg.ack()
            EVENTS_CONSUMED.labels(self.service, msg.subject, result).inc()

    async def _apply_batch(self, sub: Subscription, events: list[CloudEvent]) -> list[str]:
        results: list[str] = []
        async with self.db.transaction() as session:
            ids = [event.id for event in events]
            seen = set(
                (await session.scalars(select(INBOX.c.event_id).where(INBOX.c.event_id.in_(ids)))).all()
            )
            handled: list[dict[str, Any]] = []
            for event in events:
                if event.id in seen:
                    results.append("duplicate")
                    continue
                token = request_id_var.set(event.requestid)
                try:
                    applied = await sub.dispatch(session, event)
                finally:
                    request_id_var.reset(token)
                if not applied:
                    results.append("ignored")
                    continue
                seen.add(event.id)
                handled.append(
                    {
                        "event_id": event.id,
                        "subject": event.nats_subject,
                        "consumer": sub.name,
                        "handled_at": utcnow(),
                    }
                )
                results.append("ok")
            if handled:
                await session.execute(insert(INBOX), handled)
        return results

    async def handle(self, sub: Subscription, msg: Msg) -> str:
        """Apply one message; returns the result recorded in metrics."""
        try:
            event = CloudEvent.model_validate_json(msg.data)
        except ValidationError as exc:
            await self._dead_letter(msg, f"not a valid event envelope: {exc.error_count()} errors")
            return "dead_letter"
        token = request_id_var.set(event.requestid)
        try:
            result = await self._apply(sub, event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            deliveries = msg.metadata.num_delivered
            if deliveries >= self.max_deliver:
                log.error("event %s failed %d times; dead-lettered: %s", event.id, deliveries, exc)
                await self._dead_letter(msg, f"{type(exc).__name__}: {exc}")
                return "dead_letter"
            log.warning("event %s (%s) failed, delivery %d: %s", event.id, msg.subject, deliveries, exc)
            EVENTS_CONSUMED.labels(self.service, msg.subject, "error").inc()
            await msg.nak(delay=min(0.5 * 2**deliveries, 10))
            return "error"
        finally:
            request_id_var.reset(token)
        await msg.ack()
        EVENTS_CONSUMED.labels(self.service, msg.subject, result).inc()
        return result

    async def _apply(self, sub: Subscription, event: CloudEvent) -> str:
        try:
            async with self.db.transaction() as session:
                seen = await session.scalar(select(INBOX.c.event_id).where(INBOX.c.event_id == event.id))
                if seen is not None:
                    return "duplicate"
                if not await sub.dispatch(session, event):
                    return "ignored"  # a subject this service does not handle (e.g. added upstream later)
                await session.execute(
                    insert(INBOX).values(
                        event_id=event.id, subject=event.nats_subject, consumer=sub.name, handled_at=utcnow()
                    )
                )
        except IntegrityError:
            # Another replica recorded the same event first: its effect stands, ours rolled back.
            async with self.db.sessionmaker() as session:
                if await session.scalar(select(INBOX.c.event_id).where(INBOX.c.event_id == event.id)):
                    return "duplicate"
            raise
        return "ok"

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        subject = dead_letter_subject(self.service, msg.subject)
        meta = msg.metadata
        headers = {
            "Nats-Msg-Id": f"dlq:{self.service}:{meta.stream}:{meta.sequence.stream}",
            "Pmo-Dead-Letter-Reason": reason[:500],
            "Pmo-Original-Subject": msg.subject,
            "Pmo-Deliveries": str(meta.num_delivered),
        }
        await self.nats.js.publish(subject, msg.data, headers=headers, timeout=5)
        await msg.term()
        EVENTS_DEAD_LETTERED.labels(self.service, msg.subject).inc()
        EVENTS_CONSUMED.labels(self.service, msg.subject, "dead_letter").inc()

    async def close(self) -> None:
        """Stop between messages (never inside a handler's transaction), then give up waiting."""
        self._closing = True
        self.paused.set()
        for task in self._tasks:
            if task not in self._busy:
                task.cancel()  # waiting for messages: nothing to lose
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._closing = False


async def apply_if_newer(
    session: AsyncSession, model: Any, key: Any, version: int, values: dict[str, Any]
) -> bool:
    """ "Newest version wins" for read models: apply `values` only if `version` is newer than the
    stored one. Returns whether it was applied. A redelivered or overtaken event changes nothing."""
    return await apply_to_row(session, model, await session.get(model, key), version, values)


async def apply_to_row(
    session: AsyncSession, model: Any, row: Any, version: int, values: dict[str, Any]
) -> bool:
    """`apply_if_newer` for the row the caller has just loaded (None: none is stored), so a new
    row costs one look-up, not two (the identity map keeps what was found, not what was missing)."""
    if row is not None and row.version >= version:
        return False
    if row is None:
        session.add(model(**values, version=version))
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.version = version
    await session.flush()
    return True

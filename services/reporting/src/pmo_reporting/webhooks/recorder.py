"""From consumed events to pending deliveries, inside the consumer's transaction.

`record(session, event)` is called for every catalogue event this service consumes: by the
reporting handlers that already consume a subject (a one-line hand-off, since a subject has one
subscription per service) and, for every other subject, by the subscriptions `subscribe_unhandled`
adds. It writes one pending delivery per matching webhook in the same transaction as the inbox row,
so the event is acknowledged only once its deliveries are stored: none is lost across a restart,
and a redelivered (or replayed) event adds none twice, since a delivery's id is derived from the
webhook and the event. Events older than a webhook are not delivered to it (a replay from the start
of a stream, after `POST /admin/rebuild`, sends nothing old)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from pmo_common.contracts.events import CATALOGUE, Event
from pmo_common.db import utcnow
from pmo_common.events.consumer import EventHandlers
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.webhooks import repository
from pmo_reporting.webhooks.models import Webhook
from pmo_reporting.webhooks.schemas import DeliveryStatus
from pmo_reporting.webhooks.subjects import matches_any

RECORDED = "pmo.webhooks.recorded"  # set in session.info: wake the delivery worker after commit
_SUBSCRIBERS = "pmo.webhooks.subscribers"  # the webhooks, read once per consumer transaction


def delivery_id(webhook_id: uuid.UUID, event_id: str) -> uuid.UUID:
    """The same for one event and one webhook however often the event is handled."""
    return uuid.uuid5(webhook_id, event_id)


async def record(session: AsyncSession, event: Event[Any]) -> None:
    """Store a pending delivery of `event` for each webhook whose patterns match its subject."""
    envelope = event.envelope
    happened = envelope.time if envelope.time.tzinfo else envelope.time.replace(tzinfo=UTC)
    hooks = [
        hook
        for hook in await _subscribers(session)
        if hook.created_at <= happened and matches_any(hook.subjects, event.subject)
    ]
    if not hooks:
        return
    payload = envelope.model_dump_json(exclude_none=True)
    now = utcnow()
    # An INSERT that skips what is already there, rather than a look-up first: the look-up and the
    # ORM objects were most of the consumer's time per event with a webhook subscribed.
    repository.record_deliveries(
        session, [_delivery(hook, event.subject, envelope.id, payload, now) for hook in hooks]
    )
    session.info[RECORDED] = True


def _delivery(hook: Webhook, subject: str, event_id: str, payload: str, now: datetime) -> dict[str, Any]:
    return {
        "id": delivery_id(hook.id, event_id),
        "webhook_id": hook.id,
        "event_id": event_id,
        "subject": subject,
        "payload": payload,
        "status": DeliveryStatus.pending.value,
        "created_at": now,
        "next_attempt_at": now,
        "attempt_count": 0,
        "delivered_at": None,
    }


async def _subscribers(session: AsyncSession) -> list[Webhook]:
    cached: list[Webhook] | None = session.info.get(_SUBSCRIBERS)
    if cached is None:
        cached = session.info[_SUBSCRIBERS] = await repository.all_webhooks(session)
    return cached


def subscribe_unhandled(handlers: EventHandlers) -> list[str]:
    """Subscribe `record` to every catalogue subject no handler of `handlers` takes yet (one durable
    per stream, `webhooks-<service>`); returns those subjects. Call it after every other handler is
    registered: the handlers already there hand their events to `record` themselves."""
    routed = {subject for sub in handlers.subscriptions for subject in sub.routes}
    rest: dict[str, list[type[Event[Any]]]] = defaultdict(list)
    for subject, event_class in sorted(CATALOGUE.items()):
        if subject not in routed:
            rest[subject.split(".")[1]].append(event_class)
    for service, classes in rest.items():
        handlers.on(*classes, name=f"webhooks-{service}")(record)
    return sorted(c.subject for classes in rest.values() for c in classes)

"""Every query of the webhooks package."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pmo_common.db import upsert_inserts, written_at_commit
from pmo_common.http import Repository, paginate
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pmo_reporting.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from pmo_reporting.webhooks.schemas import DeliveryStatus

# Oldest first: a stable order while webhooks are added.
webhooks = Repository(Webhook, [(Webhook.created_at, False), (Webhook.id, False)])
get = webhooks.get
list_page = webhooks.list_page

# Newest first: the log a person reads when something went wrong.
DELIVERY_ORDER = [(WebhookDelivery.created_at, True), (WebhookDelivery.id, True)]


async def all_webhooks(session: AsyncSession) -> list[Webhook]:
    return list((await session.scalars(select(Webhook))).all())


# Any conflict is a delivery recorded before: its id is derived from the webhook and the event, as
# the unique pair is.
_RECORD = upsert_inserts(lambda insert: insert(WebhookDelivery.__table__).on_conflict_do_nothing())
_PENDING_DELIVERIES = "pmo_reporting.pending_deliveries"


def record_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Record pending deliveries in the caller's transaction, leaving out those already recorded (a
    redelivered event). They are written when it commits, all of them in one statement: a consumer
    batch of many events is one INSERT, not one per event (on PostgreSQL a round trip each)."""
    written_at_commit(session, _PENDING_DELIVERIES, list, _write_deliveries).extend(rows)


def _write_deliveries(session: Session, pending: list[dict[str, Any]]) -> None:
    session.execute(_RECORD[session.get_bind().dialect.name], pending)


async def deliveries_page(
    session: AsyncSession,
    webhook_id: uuid.UUID,
    status: DeliveryStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[WebhookDelivery], str | None]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status.value)
    return await paginate(session, stmt, DELIVERY_ORDER, limit, cursor)


async def attempts_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookAttempt]]:
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
    )
    found: dict[uuid.UUID, list[WebhookAttempt]] = defaultdict(list)
    for attempt in (await session.scalars(stmt)).all():
        found[attempt.delivery_id].append(attempt)
    return found


# --- the worker's queries ---------------------------------------------------------------------


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    stmt = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.pending.value, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def claim(
    session: AsyncSession, ids: Sequence[uuid.UUID], now: datetime, until: datetime
) -> list[tuple[WebhookDelivery, Webhook]]:
    """Take the due deliveries among `ids` for one attempt: their `next_attempt_at` moves to `until`
    in one compare-and-set, so another worker (or replica) skips them, and a crashed one's come back
    once `until` passes. Returns the claimed deliveries with their webhooks."""
    claimed = (
        (
            await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id.in_(ids),
                    WebhookDelivery.status == DeliveryStatus.pending.value,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=until)
                .returning(WebhookDelivery.id)
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    stmt = (
        select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id.in_(claimed))
    )
    return [(delivery, webhook) for delivery, webhook in (await session.execute(stmt)).all()]


async def next_due(session: AsyncSession) -> datetime | None:
    stmt = select(WebhookDelivery.next_attempt_at).where(
        WebhookDelivery.status == DeliveryStatus.pending.value
    )
    return await session.scalar(stmt.order_by(WebhookDelivery.next_attempt_at).limit(1))


async def finish_attempt(session: AsyncSession, delivery_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Apply an attempt's outcome to its delivery; False if the delivery is gone (webhook deleted)."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))

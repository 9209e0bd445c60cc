"""The delivery worker's attempt log on the service's real database: attempts that finish together
are logged in one transaction, and one that cannot be logged fails alone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.db import Database, utcnow
from pmo_reporting.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from pmo_reporting.webhooks.worker import AttemptLog
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


async def _claimed_deliveries(db: Database, count: int) -> list[uuid.UUID]:
    """`count` pending deliveries of one webhook, each claimed for an hour (as the worker claims
    them), so the running service's own worker leaves them alone."""
    now = utcnow()
    hook = Webhook(
        id=uuid.uuid4(),
        url="http://127.0.0.1:9/",
        subjects=["pmo.>"],
        secret="s",
        created_by="t",
        created_at=now,
    )
    ids = [uuid.uuid4() for _ in range(count)]
    async with db.transaction() as session:
        session.add(hook)
        await session.flush()
        session.add_all(
            WebhookDelivery(
                id=id_,
                webhook_id=hook.id,
                event_id=str(uuid.uuid4()),
                subject="pmo.risk.risk.raised",
                payload="{}",
                status="pending",
                created_at=now,
                next_attempt_at=now + timedelta(hours=1),
                attempt_count=0,
            )
            for id_ in ids
        )
    return ids


def _outcome(delivery_id: uuid.UUID, attempt: int = 1) -> tuple[uuid.UUID, dict[str, object], WebhookAttempt]:
    now = utcnow()
    values: dict[str, object] = {
        "attempt_count": attempt,
        "status": "delivered",
        "delivered_at": now,
        "next_attempt_at": None,
    }
    row = WebhookAttempt(
        delivery_id=delivery_id,
        attempt=attempt,
        started_at=now,
        duration_ms=1.0,
        status_code=204,
        error=None,
        next_attempt_at=None,
    )
    return delivery_id, values, row


@pytest.fixture
def transactions_writing_attempts() -> Iterator[list[Any]]:
    """The distinct transactions that flushed delivery-log rows while the test ran (held, so no
    two can share an id)."""
    seen: list[Any] = []

    def after_flush(session: Session, _: Any) -> None:
        transaction = session.get_transaction()
        if any(isinstance(obj, WebhookAttempt) for obj in session.new) and all(
            t is not transaction for t in seen
        ):
            seen.append(transaction)

    event.listen(Session, "after_flush", after_flush)
    try:
        yield seen
    finally:
        event.remove(Session, "after_flush", after_flush)


async def _logged(db: Database, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, str, int]]:
    """delivery id -> (attempt_count, status, log rows)."""
    async with db.transaction(read_only=True) as session:
        deliveries = (await session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))).all()
        rows = (
            await session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
        ).all()
        return {
            d.id: (d.attempt_count, d.status, sum(1 for r in rows if r.delivery_id == d.id))
            for d in deliveries
        }


async def test_attempts_that_finish_together_are_logged_in_one_transaction(
    app: FastAPI, client: httpx.AsyncClient, transactions_writing_attempts: list[Any]
) -> None:
    db: Database = app.state.db
    ids = await _claimed_deliveries(db, 12)
    log = AttemptLog(db)

    await asyncio.gather(*(log.write(*_outcome(id_)) for id_ in ids))

    assert len(transactions_writing_attempts) == 1
    assert await _logged(db, ids) == {id_: (1, "delivered", 1) for id_ in ids}


async def test_an_attempt_that_cannot_be_logged_fails_alone(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Its log row's key is taken (attempt 1 of its delivery is already logged): the write of the
    whole group fails, each is then written on its own, and only that one raises."""
    db: Database = app.state.db
    ids = await _claimed_deliveries(db, 5)
    bad = ids[2]
    async with db.transaction() as session:
        session.add(_outcome(bad)[2])
    log = AttemptLog(db)

    results = await asyncio.gather(*(log.write(*_outcome(id_)) for id_ in ids), return_exceptions=True)

    assert [type(r) for r in results] == [type(None)] * 2 + [IntegrityError] + [type(None)] * 2
    logged = await _logged(db, ids)
    assert logged[bad] == (0, "pending", 1)  # its delivery untouched: the claim runs out, it is tried again
    assert all(logged[id_] == (1, "delivered", 1) for id_ in ids if id_ != bad)

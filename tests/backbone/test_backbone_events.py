"""The event backbone against a real nats-server: envelope, outbox through an outage, inbox
exactly-once on redelivery, dead letters."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import (
    PortfolioCreated,
    PortfolioUpdated,
    ProjectCreated,
    ProjectUpdated,
    RiskRaised,
)
from pmo_common.db import Database, service_metadata
from pmo_common.events.consumer import EventConsumer, EventHandlers
from pmo_common.events.nats import NatsConnection, ensure_streams
from pmo_common.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually, publish_envelope, publish_event, running
from pmo_portfolio.main import create_app
from sqlalchemy import Column, Integer, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

PORTFOLIO = {"name": "Transformation", "currency": "EUR", "budget": "1000000.00"}


async def _drain(nats_url: str, subject: str, durable: str, expected: int, timeout: float = 30) -> list[Any]:
    """Read `expected` messages with a durable pull consumer (acking each)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    # The service provisions the streams when it connects, which may not have happened yet.
    await ensure_streams(js, 1)
    stream = await js.find_stream_name_by_subject(subject)
    await js.add_consumer(
        stream,
        ConsumerConfig(
            durable_name=durable,
            filter_subject=subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
        ),
    )
    sub = await js.pull_subscribe_bind(durable, stream=stream)
    got: list[Any] = []
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while len(got) < expected and asyncio.get_running_loop().time() < deadline:
            try:
                msgs = await sub.fetch(500, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            for msg in msgs:
                got.append(msg)
                await msg.ack()
        # Anything beyond `expected` would be a duplicate: look once more.
        try:
            extra = await sub.fetch(10, timeout=1)
            got.extend(extra)
        except (TimeoutError, nats.errors.TimeoutError):
            pass
    finally:
        await nc.close()
    return got


async def test_a_change_reaches_a_durable_consumer_once_with_the_contract_envelope(
    make_settings, nats_server
):
    async with running(create_app(make_settings("portfolio"))) as client:
        created = await client.post("/portfolio/v1/portfolios", json=PORTFOLIO, headers=auth())
        assert created.status_code == 201
        msgs = await _drain(nats_server.url, "pmo.portfolio.>", "backbone-test", expected=1)
    assert len(msgs) == 1
    msg = msgs[0]
    assert msg.subject == "pmo.portfolio.portfolio.created"
    body = json.loads(msg.data)
    envelope = CloudEvent.model_validate(body)
    assert msg.headers["Nats-Msg-Id"] == envelope.id
    assert body["specversion"] == "1.0"
    assert body["source"] == "pmo/portfolio"
    assert body["type"] == "pmo.portfolio.portfolio.created.v1"
    assert body["subject"] == created.json()["id"]
    assert body["datacontenttype"] == "application/json"
    assert body["sequence"] == 1
    assert body["data"]["name"] == "Transformation"
    assert body["data"]["budget"] == "1000000.00"
    assert body["requestid"] == created.headers["x-request-id"]


async def test_writes_during_a_nats_outage_are_acknowledged_and_all_delivered_once_in_order(
    make_settings, private_nats_server: NatsServer
):
    nats_server = private_nats_server
    async with running(create_app(make_settings("portfolio", nats_url=nats_server.url))) as client:
        await eventually(lambda: _ready(client))
        nats_server.stop()
        ids: list[str] = []
        for i in range(100):
            r = await client.post(
                "/portfolio/v1/portfolios", json={**PORTFOLIO, "name": f"P{i}"}, headers=auth()
            )
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        for round_ in range(9):
            for pid in ids:
                r = await client.patch(
                    f"/portfolio/v1/portfolios/{pid}",
                    json={"description": f"revision {round_}"},
                    headers={**auth(), "If-Match": f'"{round_ + 1}"'},
                )
                assert r.status_code == 200, r.text
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "nats" in ready.json()["detail"]

        async def backlog_shown() -> bool:
            metrics = (await client.get("/metrics")).text
            return 'pmo_outbox_pending{service="portfolio"} 1000.0' in metrics

        await eventually(backlog_shown, timeout=5)
        assert (
            'pmo_outbox_oldest_age_seconds{service="portfolio"} 0.0'
            not in (await client.get("/metrics")).text
        )
        nats_server.start()
        msgs = await _drain(nats_server.url, "pmo.portfolio.>", "outage-test", expected=1000, timeout=60)
        await eventually(lambda: _ready(client), timeout=20)
    events = [json.loads(m.data) for m in msgs]
    assert len(events) == 1000
    assert len({e["id"] for e in events}) == 1000
    by_aggregate: dict[str, list[int]] = defaultdict(list)
    for event in events:
        by_aggregate[event["subject"]].append(event["sequence"])
    assert len(by_aggregate) == 100
    for sequences in by_aggregate.values():
        assert sequences == list(range(1, 11))


async def _ready(client: Any) -> bool:
    return (await client.get("/readyz")).status_code == 200


# --- the inbox: a consumer built on pmo_common alone -------------------------------------------


def _consumer_database(tmp_path: Path) -> tuple[Database, Table]:
    metadata = service_metadata()
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("event_id", String(36)),
        Column("subject", String(200)),
    )
    db = Database(f"sqlite+aiosqlite:///{(tmp_path / 'consumer.db').as_posix()}")
    return db, effects


async def _create_schema(db: Database, table: Table) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)


async def _count(db: Database, table: Table) -> int:
    async with db.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_consumer_that_dies_before_acking_applies_nothing_twice(tmp_path, nats_server, monkeypatch):
    db, effects = _consumer_database(tmp_path)
    await _create_schema(db, effects)
    handlers = EventHandlers()

    @handlers.on(PortfolioCreated, PortfolioUpdated, name="record")
    async def record(session: AsyncSession, event: PortfolioCreated | PortfolioUpdated) -> None:
        envelope = event.envelope
        await session.execute(insert(effects).values(event_id=envelope.id, subject=envelope.type))

    connection = NatsConnection(nats_server.url, "probe")
    connection.start()
    await connection.ready.wait()
    first = EventConsumer(db, connection, "probe", handlers.subscriptions, ack_wait=1.0)
    # The first consumer commits its effect and then "dies" before acking.
    from nats.aio.msg import Msg

    async def no_ack(self: Msg) -> None:
        return None

    monkeypatch.setattr(Msg, "ack", no_ack)
    await publish_event(
        nats_server.url,
        PortfolioCreated,
        {
            "id": "8a0c3c5e-53a1-4a47-9f0e-0c1d2f3a4b5c",
            "version": 1,
            "name": "X",
            "currency": "EUR",
            "budget": "1",
        },
    )
    await first.start()
    await eventually(lambda: _count(db, effects))
    await first.close()
    monkeypatch.undo()
    results: list[str] = []
    second = EventConsumer(db, connection, "probe", handlers.subscriptions, ack_wait=1.0)
    original = second.handle

    async def observed(sub: Any, msg: Any) -> str:
        result = await original(sub, msg)
        results.append(result)
        return result

    second.handle = observed  # type: ignore[method-assign]
    await second.start()
    await eventually(lambda: _async(results), timeout=15)
    await second.close()
    await connection.close()
    assert results == ["duplicate"]
    assert await _count(db, effects) == 1
    await db.dispose()


async def _async(value: Any) -> Any:
    return value


async def test_a_poison_message_ends_on_the_dead_letter_subject(tmp_path, nats_server):
    db, effects = _consumer_database(tmp_path)
    await _create_schema(db, effects)
    handlers = EventHandlers()
    attempts: list[str] = []

    @handlers.on(ProjectCreated, ProjectUpdated, name="explode")
    async def explode(session: AsyncSession, event: ProjectCreated | ProjectUpdated) -> None:
        attempts.append(event.envelope.id)
        raise RuntimeError("this handler cannot cope")

    nc = await nats.connect(nats_server.url)
    dead: list[Any] = []
    connection = NatsConnection(nats_server.url, "probe")
    connection.start()
    await connection.ready.wait()

    async def collect(msg: Any) -> None:
        dead.append(msg)

    await nc.subscribe("dlq.>", cb=collect)
    before = EVENTS_DEAD_LETTERED.labels("probe", "pmo.portfolio.project.created")._value.get()
    consumer = EventConsumer(db, connection, "probe", handlers.subscriptions, max_deliver=3, ack_wait=1.0)
    await consumer.start()
    envelope = await publish_event(
        nats_server.url,
        ProjectCreated,
        {
            "id": "0b7f0a43-37c3-4c1e-9d36-4f3b8ad0f5a1",
            "version": 1,
            "portfolio_id": "8a0c3c5e-53a1-4a47-9f0e-0c1d2f3a4b5c",
            "code": "P-1",
            "name": "Pilot",
            "budget": "100.00",
            "stage": "proposal",
        },
    )
    # Not even an envelope: dead-lettered at once, without retries.
    js = nc.jetstream()
    await js.publish("pmo.portfolio.project.updated", b"{not json", headers={"Nats-Msg-Id": "garbage-1"})
    await eventually(lambda: _async(len(dead) >= 2), timeout=30)
    await consumer.close()
    await connection.close()
    await nc.close()
    subjects = sorted(m.subject for m in dead)
    assert subjects == ["dlq.probe.pmo.portfolio.project.created", "dlq.probe.pmo.portfolio.project.updated"]
    poisoned = next(m for m in dead if m.subject.endswith("created"))
    assert json.loads(poisoned.data)["id"] == envelope.id
    assert poisoned.headers["Pmo-Deliveries"] == "3"
    assert "cannot cope" in poisoned.headers["Pmo-Dead-Letter-Reason"]
    assert attempts == [envelope.id] * 3
    assert await _count(db, effects) == 0
    after = EVENTS_DEAD_LETTERED.labels("probe", "pmo.portfolio.project.created")._value.get()
    assert after == before + 1
    await db.dispose()


async def test_an_event_the_service_does_not_handle_is_acknowledged_and_counted_never_dead_lettered(
    tmp_path, nats_server
):
    db, effects = _consumer_database(tmp_path)
    await _create_schema(db, effects)
    handlers = EventHandlers()
    seen: list[str] = []

    @handlers.on(PortfolioCreated, name="known")
    async def known(session: AsyncSession, event: PortfolioCreated) -> None:
        seen.append(event.envelope.id)

    connection = NatsConnection(nats_server.url, "probe")
    connection.start()
    await connection.ready.wait()
    consumer = EventConsumer(db, connection, "probe", handlers.subscriptions, max_deliver=2, ack_wait=1.0)
    ignored = EVENTS_CONSUMED.labels("probe", "pmo.portfolio.portfolio.archived", "ignored")
    before = ignored._value.get()
    # A subject added upstream after this service was built: the same aggregate, a new event.
    later = (await publish_event(nats_server.url, PortfolioCreated, _PORTFOLIO_DATA)).model_copy(
        update={"id": "later-subject-1", "type": "pmo.portfolio.portfolio.archived.v1"}
    )
    await publish_envelope(nats_server.url, "pmo.portfolio.portfolio.archived", later)
    await consumer.start()
    await eventually(lambda: _async(ignored._value.get() == before + 1 and len(seen) == 1), timeout=15)
    nc = await nats.connect(nats_server.url)
    try:
        info = await nc.jetstream().consumer_info("PORTFOLIO", consumer.durable(consumer.subscriptions[0]))
        await eventually(lambda: _async(info.num_ack_pending == 0 and info.num_pending == 0))
        assert "DLQ" not in {s.config.name for s in await nc.jetstream().streams_info()} or (
            (await nc.jetstream().stream_info("DLQ")).state.messages == 0
        )
    finally:
        await nc.close()
    await consumer.close()
    await connection.close()
    await db.dispose()


_PORTFOLIO_DATA = {
    "id": "8a0c3c5e-53a1-4a47-9f0e-0c1d2f3a4b5c",
    "version": 1,
    "name": "X",
    "currency": "EUR",
    "budget": "1",
}


def test_handlers_are_registered_by_event_class_and_a_subject_is_handled_once():
    handlers = EventHandlers()

    @handlers.on(ProjectCreated, ProjectUpdated, name="projects")
    async def one(session: AsyncSession, event: ProjectCreated | ProjectUpdated) -> None:
        return None

    (sub,) = handlers.subscriptions
    assert sub.stream == "PORTFOLIO"
    assert list(sub.subjects) == ["pmo.portfolio.project.*"]
    assert set(sub.routes) == {"pmo.portfolio.project.created", "pmo.portfolio.project.updated"}
    with pytest.raises(ValueError, match="handled twice"):
        handlers.on(ProjectUpdated, name="other")(one)
    with pytest.raises(ValueError, match="one stream"):
        handlers.on(ProjectCreated, RiskRaised, name="mixed")

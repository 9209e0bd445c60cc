"""Webhook deliveries end to end: events published to the real broker, consumed by the reporting
service's durable consumers, and POSTed by its delivery worker to a real HTTP receiver on loopback,
signed per Standard Webhooks (verified with the reference library), retried, and never lost across
a restart. Every wait is bounded."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pmo_common.contracts.events import RiskEscalated, RiskRaised
from pmo_common.natsserver import NatsServer
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, eventually, publish_event, running
from pmo_common.testing.receiver import Answer, Receiver, serving
from pmo_reporting.main import create_app
from pmo_reporting.webhooks import sender, targets, worker
from pmo_reporting.webhooks.policy import RetryPolicy
from pmo_reporting.webhooks.sender import SendLimits
from standardwebhooks import Webhook

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
SECRET = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="  # 32 bytes


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serving() as r:
        yield r


@pytest.fixture
def retries(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Shorten the retry schedule (the production one is unit-tested) so tests see retries."""

    def use(first: float = 0.3, cap: float = 1.0) -> None:
        monkeypatch.setattr(worker, "POLICY", RetryPolicy(first=first, cap=cap, jitter=0.1))

    use()
    return use


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the tests make resolve (to what they say); other names go to the system resolver."""
    answers: dict[str, list[str]] = {}

    async def resolve(host: str, port: int) -> list[targets.IPAddress]:
        if host in answers:
            return [a for a in map(targets.as_address, answers[host]) if a is not None]
        return await targets.system_resolve(host, port)

    monkeypatch.setattr(targets, "resolve", resolve)
    return answers


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Callable[[str], Settings]:
    return lambda allowed="127.0.0.1": make_settings("reporting", webhook_allowed_hosts=allowed)


def risk_data(version: int = 1, **overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "version": version,
        "portfolio_id": str(uuid.uuid4()),
        "project_id": None,
        "kind": "threat",
        "title": "Vendor late",
        "probability": 5,
        "impact": 5,
        "score": 25,
        "level": "critical",
        "emv": "20000.00",
        "escalated": True,
        "status": "open",
    } | overrides


async def subscribe(client: httpx.AsyncClient, url: str, subjects: list[str], **extra: Any) -> dict[str, Any]:
    response = await client.post(
        f"{PREFIX}/webhooks", json={"url": url, "subjects": subjects, **extra}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deliveries(client: httpx.AsyncClient, webhook_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{PREFIX}/webhooks/{webhook_id}/deliveries", headers=ADMIN)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def delivered(client: httpx.AsyncClient, webhook_id: str, count: int = 1) -> Callable[[], Any]:
    async def check() -> list[dict[str, Any]] | None:
        items = await deliveries(client, webhook_id)
        done = [d for d in items if d["status"] == "delivered"]
        return items if len(done) >= count else None

    return check


def attempted(client: httpx.AsyncClient, webhook_id: str, attempts: int) -> Callable[[], Any]:
    async def check() -> dict[str, Any] | None:
        items = await deliveries(client, webhook_id)
        return items[0] if items and len(items[0]["attempts"]) >= attempts else None

    return check


async def test_a_delivery_is_the_cloudevent_signed_per_standard_webhooks(
    settings: Any, receiver: Receiver, nats_server: NatsServer
) -> None:
    async with running(create_app(settings())) as client:
        hook = await subscribe(client, receiver.url(), ["pmo.risk.risk.escalated"], secret=SECRET)
        assert hook["secret"] is None  # given, so not echoed
        await publish_event(nats_server.url, RiskRaised, risk_data(escalated=False))  # not subscribed
        envelope = await publish_event(nats_server.url, RiskEscalated, risk_data(version=2))
        items = await eventually(delivered(client, hook["id"]), timeout=15)

    assert len(items) == 1 and len(receiver.received) == 1
    request = receiver.received[0]
    event = Webhook(SECRET).verify(request.body, request.headers)  # raises unless signed right
    assert event["id"] == envelope.id and event["type"] == "pmo.risk.risk.escalated.v1"
    assert event["data"]["score"] == 25 and json.loads(request.body) == event
    assert request.headers["content-type"].startswith("application/cloudevents+json")
    assert abs(int(request.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 60
    assert request.headers["webhook-signature"].startswith("v1,")
    assert items[0]["id"] == request.headers["webhook-id"] and items[0]["event_id"] == envelope.id
    assert [(a["attempt"], a["status_code"], a["error"]) for a in items[0]["attempts"]] == [(1, 200, None)]


async def test_failed_attempts_are_retried_with_the_same_webhook_id_until_a_2xx(
    settings: Any, receiver: Receiver, nats_server: NatsServer, retries: Any
) -> None:
    receiver.answers = [Answer(500), Answer(500)]  # then 200
    async with running(create_app(settings())) as client:
        hook = await subscribe(client, receiver.url(), ["pmo.risk.>"])
        await publish_event(nats_server.url, RiskEscalated, risk_data())
        items = await eventually(delivered(client, hook["id"]), timeout=20)

    attempts = items[0]["attempts"]
    assert [(a["attempt"], a["status_code"], a["error"]) for a in attempts] == [
        (1, 500, "HTTP 500"),
        (2, 500, "HTTP 500"),
        (3, 200, None),
    ]
    assert (
        attempts[0]["next_attempt_at"]
        and attempts[1]["next_attempt_at"]
        and attempts[2]["next_attempt_at"] is None
    )
    assert all(a["duration_ms"] >= 0 for a in attempts) and items[0]["attempt_count"] == 3
    assert len(receiver.received) == 3 and len({r.headers["webhook-id"] for r in receiver.received}) == 1
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)


async def test_a_delivery_waiting_out_its_backoff_arrives_after_a_restart(
    settings: Any, receiver: Receiver, nats_server: NatsServer, retries: Any
) -> None:
    retries(first=2.0, cap=2.0)
    receiver.answers = [Answer(503)]
    config = settings()
    async with running(create_app(config)) as client:
        hook = await subscribe(client, receiver.url(), ["pmo.risk.risk.*"])
        first = await publish_event(nats_server.url, RiskEscalated, risk_data())
        waiting = await eventually(attempted(client, hook["id"], 1), timeout=15)
        assert waiting["status"] == "pending"
        assert datetime.fromisoformat(waiting["next_attempt_at"]) > datetime.now(UTC)
    # Stopped mid-backoff; an event published while the service is down is not lost either.
    second = await publish_event(nats_server.url, RiskEscalated, risk_data())
    async with running(create_app(config)) as client:
        items = await eventually(delivered(client, hook["id"], count=2), timeout=20)

    by_event = {d["event_id"]: d for d in items}
    assert set(by_event) == {first.id, second.id}
    assert [a["status_code"] for a in by_event[first.id]["attempts"]] == [503, 200]
    assert [a["status_code"] for a in by_event[second.id]["attempts"]] == [200]
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids.count(by_event[first.id]["id"]) == 2 and ids.count(by_event[second.id]["id"]) == 1


async def test_redirects_are_not_followed(
    settings: Any, receiver: Receiver, nats_server: NatsServer, retries: Any
) -> None:
    retries(first=60.0, cap=60.0)  # one attempt in this test's time
    elsewhere = receiver.url(path="/elsewhere").encode()
    receiver.answers = [Answer(302, headers=[(b"location", elsewhere)])]
    async with running(create_app(settings())) as client:
        hook = await subscribe(client, receiver.url(), ["pmo.risk.risk.escalated"])
        await publish_event(nats_server.url, RiskEscalated, risk_data())
        item = await eventually(attempted(client, hook["id"], 1), timeout=15)

    assert item["status"] == "pending"
    assert item["attempts"][0]["status_code"] == 302 and "redirect" in item["attempts"][0]["error"]
    assert [r.path for r in receiver.received] == ["/hook"]


async def test_a_listed_name_is_reached_at_the_address_it_was_checked_at(
    settings: Any, receiver: Receiver, nats_server: NatsServer, dns: dict[str, list[str]]
) -> None:
    # `receiver.test` exists only in this test's resolver: the HTTP client never resolves it itself.
    dns["receiver.test"] = ["127.0.0.1"]
    async with running(create_app(settings("receiver.test,127.0.0.1"))) as client:
        hook = await subscribe(client, receiver.url(host="receiver.test"), ["pmo.risk.risk.escalated"])
        await publish_event(nats_server.url, RiskEscalated, risk_data())
        await eventually(delivered(client, hook["id"]), timeout=15)
    assert receiver.received[0].headers["host"] == f"receiver.test:{receiver.port}"


async def test_a_name_that_turns_private_after_subscribing_is_refused_at_connect_time(
    settings: Any, receiver: Receiver, nats_server: NatsServer, dns: dict[str, list[str]], retries: Any
) -> None:
    retries(first=60.0, cap=60.0)
    dns["receiver.test"] = ["93.184.216.34"]  # public when subscribed ...
    async with running(create_app(settings("receiver.test"))) as client:
        hook = await subscribe(client, receiver.url(host="receiver.test"), ["pmo.risk.risk.escalated"])
        dns["receiver.test"] = ["93.184.216.34", "127.0.0.1"]  # ... then rebound to loopback
        await publish_event(nats_server.url, RiskEscalated, risk_data())
        item = await eventually(attempted(client, hook["id"], 1), timeout=15)

    attempt = item["attempts"][0]
    assert (
        attempt["status_code"] is None and "refused" in attempt["error"] and "127.0.0.1" in attempt["error"]
    )
    assert item["status"] == "pending" and receiver.received == []


async def test_an_endless_answer_is_read_only_up_to_the_bound(
    settings: Any, receiver: Receiver, nats_server: NatsServer
) -> None:
    receiver.answers = [Answer(200, chunk=b"x" * 65536, chunks=10_000)]  # 640 MiB if read to the end
    async with running(create_app(settings())) as client:
        hook = await subscribe(client, receiver.url(), ["pmo.risk.risk.escalated"])
        await publish_event(nats_server.url, RiskEscalated, risk_data())
        items = await eventually(delivered(client, hook["id"]), timeout=15)
    assert items[0]["attempts"][0]["duration_ms"] < 5000


async def test_an_attempt_is_cut_off_at_the_total_timeout(
    settings: Any, receiver: Receiver, nats_server: NatsServer, retries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    retries(first=60.0, cap=60.0)
    monkeypatch.setattr(sender, "LIMITS", SendLimits(connect_seconds=0.5, total_seconds=1.0))
    # A byte every 0.2 s: no single read ever times out, only the whole attempt can.
    receiver.answers = [Answer(200, chunk=b"x", chunks=100, pause=0.2)]
    async with running(create_app(settings())) as client:
        hook = await subscribe(client, receiver.url(), ["pmo.risk.risk.escalated"])
        await publish_event(nats_server.url, RiskEscalated, risk_data())
        item = await eventually(attempted(client, hook["id"], 1), timeout=15)

    attempt = item["attempts"][0]
    assert attempt["error"] == "no answer within 1 s" and 900 <= attempt["duration_ms"] < 3000
    assert item["status"] == "pending"


async def test_a_deleted_webhook_gets_no_more_attempts(
    settings: Any, receiver: Receiver, nats_server: NatsServer, retries: Any
) -> None:
    retries(first=0.3, cap=0.3)
    receiver.answers = [Answer(500)] * 1000
    async with running(create_app(settings())) as client:
        hook = await subscribe(client, receiver.url(), ["pmo.risk.risk.escalated"])
        await publish_event(nats_server.url, RiskEscalated, risk_data())
        await eventually(attempted(client, hook["id"], 2), timeout=15)
        response = await client.delete(
            f"{PREFIX}/webhooks/{hook['id']}", headers={**ADMIN, "If-Match": '"1"'}
        )
        assert response.status_code == 204
        seen = len(receiver.received)
        await asyncio.sleep(2)  # several retry periods: an absence can only be awaited
    assert len(receiver.received) <= seen + 1  # at most the attempt that was under way


async def test_a_slow_receiver_holds_up_no_other(
    settings: Any, receiver: Receiver, nats_server: NatsServer
) -> None:
    async with serving() as slow:
        slow.answers = [Answer(200, pause=9.0)] * 5  # each answer takes 9 s (under the 10 s limit)
        async with running(create_app(settings())) as client:
            fast_hook = await subscribe(client, receiver.url(), ["pmo.risk.risk.escalated"])
            await subscribe(client, slow.url(), ["pmo.risk.risk.escalated"])
            await publish_event(nats_server.url, RiskEscalated, risk_data())
            await eventually(delivered(client, fast_hook["id"]), timeout=15)
            await eventually(lambda: _received(slow, 1), timeout=5)  # the slow one is under way
            started = time.monotonic()
            await publish_event(nats_server.url, RiskEscalated, risk_data())
            await eventually(delivered(client, fast_hook["id"], count=2), timeout=15)
            # Queued behind the slow one it would take its 9 s: a wide margin on a busy machine.
            assert time.monotonic() - started < 8.0


async def _received(receiver: Receiver, count: int) -> bool:
    return len(receiver.received) >= count

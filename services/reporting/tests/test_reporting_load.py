"""Ordinary concurrency on PostgreSQL (issue 13): 16 clients submitting status reports for several
projects of two portfolios while project and risk events of both arrive. Every transaction takes
the dashboards' version rows last and in one order, so none deadlocks: no client sees a 5xx and no
event fails. Each client submits at least ROUNDS reports and the publisher at least one burst, then
both stop at the deadline: it asserts outcomes, not a duration (a slow machine runs longer). CI runs
it on PostgreSQL (PMO_TEST_DATABASE_URL); locally:
PMO_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import nats
from pmo_common.contracts.events import ProjectUpdated, RiskRaised
from pmo_common.events.outbox import build_envelope
from pmo_common.testing.harness import auth, eventually
from sqlalchemy import event

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
CLIENTS = 16
SECONDS = 3.0
ROUNDS = 3  # each client submits at least this many, however slow the machine
BURST = 40


async def _publisher(nats_url: str, events: list[tuple[Any, dict[str, Any]]], deadline: float) -> int:
    """Publish the events as the owning services' relays would, spread over the run."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for count, (event, data) in enumerate(events):
            if count >= BURST and time.monotonic() >= deadline:
                return count
            envelope = build_envelope(event.model_validate({"data": data}))
            body = json.dumps(envelope.model_dump(mode="json", exclude_none=True)).encode()
            await js.publish(event.subject, body, headers={"Nats-Msg-Id": envelope.id})
            # in bursts, so that consumers fetch batches that span both portfolios
            if count % BURST == BURST - 1:
                await asyncio.sleep(0.2)
        return len(events)
    finally:
        await nc.close()


def _upstream_events(portfolios: list[dict[str, Any]], projects: list[dict[str, Any]]) -> list[Any]:
    """Project changes and new risks, alternating between the portfolios (so one consumer batch
    touches both, in either order)."""
    events: list[Any] = []
    for version in range(2, 40):
        for i, project in enumerate(projects):
            budget = f"{120000 + 1000 * version + i}.00"
            events.append((ProjectUpdated, project | {"version": version, "budget": budget}))
            portfolio = portfolios[(i + version) % 2]
            risk = {
                "id": str(uuid.uuid4()),
                "version": 1,
                "portfolio_id": portfolio["id"],
                "project_id": None,
                "kind": "threat",
                "title": "Vendor late",
                "probability": 3,
                "impact": 4,
                "score": 12,
                "level": "high",
                "emv": "100.00",
                "escalated": False,
                "status": "open",
            }
            events.append((RiskRaised, risk))
    return events


UPSTREAM = ('subject="pmo.portfolio.project.updated"', 'subject="pmo.risk.risk.raised"')


async def _consumed(client: Any, result: str, subjects: tuple[str, ...] = ()) -> float:
    """`pmo_events_consumed_total` with this result (of these subjects, if given)."""
    text = (await client.get("/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("pmo_events_consumed_total{")
        and f'result="{result}"' in line
        and (not subjects or any(s in line for s in subjects))
    )


async def test_sixteen_clients_submitting_while_events_arrive_get_no_5xx(
    app, client, feed, make_report, nats_server
) -> None:
    aborted: list[str] = []  # every statement PostgreSQL aborted for deadlock or serialization

    def record(context: Any) -> None:
        code = getattr(context.original_exception, "sqlstate", None) or ""
        if code in ("40P01", "40001") or "deadlock" in str(context.original_exception).lower():
            aborted.append(str(context.original_exception).splitlines()[0])

    event.listen(app.state.db.engine.sync_engine, "handle_error", record)
    portfolios = [await feed.portfolio(name=f"Portfolio {i}") for i in range(2)]
    projects = [
        await feed.project(portfolios[i % 2]["id"], code=f"P-{i}", budget="120000.00") for i in range(8)
    ]
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + SECONDS

    async def submitter(n: int) -> None:
        k = 0
        while k < ROUNDS or time.monotonic() < deadline:
            project = projects[(n + k) % len(projects)]
            as_of = date(2025, 1, 1) + timedelta(days=(n * 7 + k) % 300)
            body = make_report(as_of, percent_complete=(n + k) % 100, actual_cost=f"{1000 + k}.00")
            url = f"{PREFIX}/projects/{project['id']}/status-reports"
            statuses[(await client.post(url, json=body, headers=ADMIN)).status_code] += 1
            k += 1

    publisher = _publisher(nats_server.url, _upstream_events(portfolios, projects), deadline)
    published, *_ = await asyncio.gather(publisher, *(submitter(n) for n in range(CLIENTS)))
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) == {201} and sum(statuses.values()) >= CLIENTS * ROUNDS, statuses
    # Every published event is applied, and no transaction (request or consumer batch) was aborted
    # on the way: a consumer batch that deadlocks is retried event by event, invisibly but for this.
    assert published > 0

    async def applied() -> bool:
        return await _consumed(client, "ok", UPSTREAM) >= published

    await eventually(applied, timeout=30)
    assert await _consumed(client, "error") == 0
    assert aborted == []

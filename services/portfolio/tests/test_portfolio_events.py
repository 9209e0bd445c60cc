"""Every change publishes its event exactly once, with the contract's envelope and full state."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import nats
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually

ADMIN = auth("alice", "admin")


async def _stream_events(nats_url: str) -> list[dict[str, Any]]:
    """What consumers see: every message stored in the PORTFOLIO stream (duplicates are dropped there only
    if they carried the same Nats-Msg-Id, so a double emit would show up here)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        try:
            sub = await js.pull_subscribe("pmo.portfolio.>", stream="PORTFOLIO")
        except nats.js.errors.NotFoundError:  # the service has not created its stream yet: nothing so far
            return []
        events: list[dict[str, Any]] = []
        while True:
            try:
                msgs = await sub.fetch(100, timeout=0.5)
            except TimeoutError:  # nats-py's own, or asyncio's when the lingering pull request expires
                return events
            for msg in msgs:
                events.append(json.loads(msg.data))
                await msg.ack()
    finally:
        await nc.close()


async def test_portfolio_events_are_emitted_once_per_change(  # type: ignore[no-untyped-def]
    api, client: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    url = f"/portfolio/v1/projects/{p['id']}"
    await client.patch(url, json={"name": "Renamed"}, headers={**ADMIN, "If-Match": '"1"'})
    await client.patch(
        url, json={"name": "Renamed"}, headers={**ADMIN, "If-Match": '"2"'}
    )  # no change: no event
    crit = await api.criterion(pf["id"], "Value")
    await api.scores(p["id"], {crit["id"]: 5})
    retry = {**ADMIN, "Idempotency-Key": "decide-once"}
    body = {"to_stage": "approved", "decision": "approve", "rationale": "go"}
    for _ in range(2):  # a retried POST with the same key does nothing twice
        r = await client.post(f"{url}/gate-decisions", json=body, headers=retry)
        assert r.status_code == 201
    sid = (
        await client.post(
            f"/portfolio/v1/portfolios/{pf['id']}/scenarios",
            json={"name": "S", "budget": "1000.00"},
            headers=ADMIN,
        )
    ).json()["id"]
    await client.post(f"/portfolio/v1/portfolios/{pf['id']}/scenarios/{sid}/approve", headers=ADMIN)
    await client.patch(
        f"/portfolio/v1/portfolios/{pf['id']}", json={"name": "Last"}, headers={**ADMIN, "If-Match": '"1"'}
    )

    expected = Counter(
        {
            "pmo.portfolio.portfolio.created": 1,
            "pmo.portfolio.project.created": 1,
            "pmo.portfolio.project.updated": 2,  # the rename and the scores
            "pmo.portfolio.project.stage_changed": 1,
            "pmo.portfolio.scenario.approved": 1,
            "pmo.portfolio.portfolio.updated": 1,
            "pmo.portfolio.baseline.approved": 1,  # baseline 1, taken by the approval
            "pmo.portfolio.decision.recorded": 2,  # the gate decision and the scenario approval
        }
    )

    async def all_published() -> list[dict[str, Any]] | None:
        events = await _stream_events(nats_server.url)
        return events if Counter(e["type"].removesuffix(".v1") for e in events) == expected else None

    events = await eventually(all_published)
    stage = next(e for e in events if e["type"] == "pmo.portfolio.project.stage_changed.v1")
    assert stage["subject"] == p["id"] and stage["sequence"] == 4
    data = stage["data"]
    assert (
        data["from_stage"],
        data["to_stage"],
        data["decision"],
        data["rationale"],
        data["decided_by"],
    ) == ("proposal", "approved", "approve", "go", "alice")
    assert data["stage"] == "approved" and data["scores"] == {crit["id"]: 5.0} and data["budget"] == "100.00"
    assert data["baseline"]["number"] == 1 and data["baseline"]["budget"] == "100.00"
    approved = next(e for e in events if e["type"] == "pmo.portfolio.scenario.approved.v1")
    assert approved["data"]["selected"] == [p["id"]] and approved["data"]["total_cost"] == "100.00"

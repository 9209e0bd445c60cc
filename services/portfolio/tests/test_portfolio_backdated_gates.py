"""Back-dated gate decisions: history loaded after the fact carries `decided_at` into the decision log
and the `stage_changed` event; a time in the future or before the previous decision is a 422."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pmo_common.events.outbox import OUTBOX
from pmo_common.testing.harness import auth
from sqlalchemy import select

ADMIN = auth("alice", "admin")


async def _decide(client: httpx.AsyncClient, project_id: str, to_stage: str, **extra: Any) -> httpx.Response:
    body = {"to_stage": to_stage, "decision": "approve", "rationale": f"moving to {to_stage}", **extra}
    return await client.post(f"/portfolio/v1/projects/{project_id}/gate-decisions", json=body, headers=ADMIN)


async def _stage_events(app: FastAPI, project_id: str) -> list[dict[str, Any]]:
    async with app.state.db.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(OUTBOX.c.payload)
                .where(OUTBOX.c.subject == "pmo.portfolio.project.stage_changed")
                .order_by(OUTBOX.c.seq)
            )
        ).all()
    events = [json.loads(p) for p in payloads]
    return [e for e in events if e["subject"] == project_id]


def _error_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


async def test_a_past_decided_at_is_logged_and_published(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    project = await api.project(pf["id"], "OLD", start_date="2025-01-01", finish_date="2025-12-31")
    approved_at = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
    started = "2025-02-03T10:00:00+01:00"  # any offset; stored and published in UTC

    first = await _decide(client, project["id"], "approved", decided_at=approved_at.isoformat())
    assert first.status_code == 201, first.text
    assert datetime.fromisoformat(first.json()["decided_at"]) == approved_at
    second = await _decide(client, project["id"], "in_progress", decided_at=started)
    assert second.status_code == 201, second.text
    third = await _decide(client, project["id"], "on_hold", decision="hold")  # default: now
    assert third.status_code == 201, third.text

    log = (await client.get(f"/portfolio/v1/projects/{project['id']}/gate-decisions", headers=ADMIN)).json()[
        "items"
    ]
    times = [datetime.fromisoformat(d["decided_at"]) for d in log]
    assert times[:2] == [approved_at, datetime(2025, 2, 3, 9, tzinfo=UTC)]
    assert abs(times[2] - datetime.now(UTC)) < timedelta(minutes=1)

    events = await _stage_events(app, project["id"])
    assert [e["data"]["to_stage"] for e in events] == ["approved", "in_progress", "on_hold"]
    assert [datetime.fromisoformat(e["data"]["decided_at"]) for e in events] == times


async def test_a_future_decided_at_is_422_but_clock_skew_is_tolerated(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    project = await api.project(pf["id"], "FUT")
    future = datetime.now(UTC) + timedelta(hours=1)
    response = await _decide(client, project["id"], "approved", decided_at=future.isoformat())
    assert _error_fields(response) == ["body.decided_at"]
    assert "future" in response.json()["errors"][0]["message"]
    naive = await _decide(client, project["id"], "approved", decided_at="2025-01-15T09:30:00")
    assert _error_fields(naive) == ["body.decided_at"]
    # Nothing changed: the project is still a proposal.
    current = (await client.get(f"/portfolio/v1/projects/{project['id']}", headers=ADMIN)).json()
    assert current["stage"] == "proposal" and current["version"] == project["version"]

    skewed = datetime.now(UTC) + timedelta(seconds=2)
    accepted = await _decide(client, project["id"], "approved", decided_at=skewed.isoformat())
    assert accepted.status_code == 201, accepted.text


async def test_a_decided_at_before_the_previous_decision_is_422(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    project = await api.project(pf["id"], "ORD")
    first = await _decide(client, project["id"], "approved", decided_at="2025-03-01T00:00:00Z")
    assert first.status_code == 201, first.text
    earlier = await _decide(client, project["id"], "in_progress", decided_at="2025-02-28T23:59:59Z")
    assert _error_fields(earlier) == ["body.decided_at"]
    assert "previous gate decision" in earlier.json()["errors"][0]["message"]
    same = await _decide(client, project["id"], "in_progress", decided_at="2025-03-01T00:00:00Z")
    assert same.status_code == 201, same.text
    log = (await client.get(f"/portfolio/v1/projects/{project['id']}/gate-decisions", headers=ADMIN)).json()[
        "items"
    ]
    assert [d["to_stage"] for d in log] == ["approved", "in_progress"]

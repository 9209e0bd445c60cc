"""The action register fills itself from events (a status report's actions, risk responses),
idempotently, and publishes `action.overdue` exactly once per crossing of the due date — at once
from a write into the past, within seconds from the sweep when a due date passes by itself."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import ResponseCreated, ResponseUpdated, StatusReportSubmitted, validate_data
from pmo_common.events.outbox import OUTBOX
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually, publish_event
from pmo_portfolio.actions import rules
from pmo_portfolio.actions.sweep import sweep
from sqlalchemy import select

URL = "/portfolio/v1/actions"
ADMIN = auth("alice", "admin")
OVERDUE = "pmo.portfolio.action.overdue"


def _days(n: int) -> str:
    return str(rules.today() + timedelta(days=n))


async def _outbox(app: FastAPI) -> list[dict[str, Any]]:
    """Every action event the service emitted, oldest first, each checked against the contract
    envelope and the catalogue."""
    async with app.state.db.sessionmaker() as session:
        stmt = select(OUTBOX.c.subject, OUTBOX.c.payload).order_by(OUTBOX.c.seq)
        rows = (await session.execute(stmt)).all()
    envelopes = [
        json.loads(payload) for subject, payload in rows if subject.startswith("pmo.portfolio.action.")
    ]
    for envelope in envelopes:
        CloudEvent.model_validate(envelope)
        subject = envelope["type"].removesuffix(".v1")
        assert envelope["source"] == "pmo/portfolio"
        assert (envelope["subject"], envelope["sequence"]) == (
            envelope["data"]["id"],
            envelope["data"]["version"],
        )
        validate_data(subject, envelope["data"])
    return envelopes


async def _events(app: FastAPI, subject: str, action_id: str) -> list[dict[str, Any]]:
    return [
        e["data"] for e in await _outbox(app) if e["type"] == f"{subject}.v1" and e["subject"] == action_id
    ]


@pytest.fixture
async def published(nats_server: NatsServer) -> AsyncIterator[list[dict[str, Any]]]:
    """The action events as they reach the broker."""
    received: list[dict[str, Any]] = []
    nc = await nats.connect(nats_server.url)

    async def on_message(msg: Any) -> None:
        received.append(json.loads(msg.data))

    await nc.subscribe("pmo.portfolio.action.>", cb=on_message)
    await nc.flush()
    try:
        yield received
    finally:
        await nc.close()


async def _register(client: httpx.AsyncClient, n: int, **params: Any) -> list[dict[str, Any]] | None:
    items = (await client.get(URL, params=params, headers=ADMIN)).json()["items"]
    return items if len(items) >= n else None


def _report(project: dict[str, Any], actions: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    rag = {k: "green" for k in ("overall", "scope", "schedule", "cost", "risk", "resources")}
    return {
        "id": str(uuid.uuid4()),
        "version": 1,
        "project_id": project["id"],
        "portfolio_id": project["portfolio_id"],
        "as_of": _days(-1),
        **rag,
        "percent_complete": 40,
        "actual_cost": "40.00",
        "spi": 0.9,
        "cpi": 1.0,
        "actions": actions,
        "submitted_by": "mary",
        **fields,
    }


async def test_a_status_reports_actions_join_the_register_once(
    api: Any, client: httpx.AsyncClient, app: FastAPI, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A", manager="mary")
    first = _report(
        p,
        [
            {"title": "Sign the hosting contract", "owner": "olga", "due_date": _days(-2), "status": "open"},
            {"title": "Hire a tester", "owner": None, "due_date": None, "status": "done"},
        ],
    )
    await publish_event(nats_server.url, StatusReportSubmitted, first)
    items = await eventually(lambda: _register(client, 2, project_id=p["id"]))
    assert [(a["title"], a["owner"], a["due_date"], a["status"], a["overdue"]) for a in items] == [
        ("Sign the hosting contract", "olga", _days(-2), "open", True),
        ("Hire a tester", None, None, "done", False),
    ]
    assert {a["portfolio_id"] for a in items} == {pf["id"]}
    assert [a["source"] for a in items] == [{"type": "status_report", "id": first["id"]}] * 2
    assert items[1]["closed_at"] is not None
    # The same report again (a new event id: past the inbox) adds nothing; a later report of the
    # project adds its own action and leaves the earlier report's in place.
    await publish_event(nats_server.url, StatusReportSubmitted, first)
    later = _report(p, [{"title": "Plan the cut-over", "status": "in_progress"}], as_of=_days(0))
    await publish_event(nats_server.url, StatusReportSubmitted, later)
    items = await eventually(lambda: _register(client, 3, project_id=p["id"]))
    assert [a["title"] for a in items] == ["Sign the hosting contract", "Hire a tester", "Plan the cut-over"]
    assert items[2]["source"] == {"type": "status_report", "id": later["id"]}
    created = [e for e in await _outbox(app) if e["type"] == "pmo.portfolio.action.created.v1"]
    assert len(created) == 3
    # The action already past due at its arrival is announced at once, and only it.
    assert [e["subject"] for e in await _outbox(app) if e["type"] == f"{OVERDUE}.v1"] == [items[0]["id"]]
    assert await sweep(app.state.db) == 0


def _response(portfolio_id: str, project_id: str, version: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": fields.pop("id"),
        "version": version,
        "risk_id": str(uuid.UUID(int=7)),
        "portfolio_id": portfolio_id,
        "project_id": project_id,
        "strategy": "reduce",
        "description": "Second supplier\nQualify one by May.",
        "owner": "olga",
        "due_date": _days(20),
        "status": "planned",
        **fields,
    }


async def test_a_risk_response_is_an_action_that_follows_it_newest_version_winning(
    api: Any, client: httpx.AsyncClient, app: FastAPI, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    rid = str(uuid.uuid4())

    async def publish(event: Any, version: int, **fields: Any) -> None:
        await publish_event(nats_server.url, event, _response(pf["id"], p["id"], version, id=rid, **fields))

    await publish(ResponseCreated, 1)
    [action] = await eventually(lambda: _register(client, 1, project_id=p["id"]))
    assert (action["title"], action["description"], action["owner"], action["status"], action["source"]) == (
        "Reduce: Second supplier",
        "Second supplier\nQualify one by May.",
        "olga",
        "open",
        {"type": "risk_response", "id": rid},
    )
    await publish(ResponseUpdated, 3, status="done", owner="otto")

    async def done() -> dict[str, Any] | None:
        got = (await client.get(f"{URL}/{action['id']}", headers=ADMIN)).json()
        return got if got["status"] == "done" else None

    updated = await eventually(done)
    assert (updated["owner"], updated["version"], updated["closed_at"] is not None) == ("otto", 2, True)
    # Older versions arriving late change nothing; a marker response after them shows they were handled.
    await publish(ResponseUpdated, 2, status="in_progress", owner="ida")
    await publish(ResponseCreated, 1)
    marker = str(uuid.uuid4())
    await publish_event(
        nats_server.url, ResponseCreated, _response(pf["id"], p["id"], 1, id=marker, due_date=_days(-1))
    )
    items = await eventually(lambda: _register(client, 2, project_id=p["id"]))
    assert (items[0]["status"], items[0]["owner"], items[0]["version"]) == ("done", "otto", 2)
    # The response created already past due is announced at once.
    assert len(await _events(app, OVERDUE, items[1]["id"])) == 1
    # The risk (and so the response) is deleted: the action goes with it, and stays gone.
    await publish(ResponseUpdated, 4, deleted=True, status="done", owner="otto")

    async def gone() -> bool:
        return (await client.get(f"{URL}/{action['id']}", headers=ADMIN)).status_code == 404

    await eventually(gone)
    await publish(ResponseUpdated, 3, status="in_progress")
    await publish_event(
        nats_server.url, ResponseCreated, _response(pf["id"], p["id"], 1, id=str(uuid.uuid4()))
    )
    items = await eventually(lambda: _register(client, 2, project_id=p["id"]))
    assert action["id"] not in [a["id"] for a in items]
    updates = await _events(app, "pmo.portfolio.action.updated", action["id"])
    assert [(u["version"], u["status"], u["deleted"]) for u in updates] == [
        (2, "done", False),
        (3, "done", True),
    ]


async def test_an_action_created_past_due_is_announced_once_and_again_after_a_new_crossing(
    api: Any, client: httpx.AsyncClient, app: FastAPI, published: list[dict[str, Any]]
) -> None:
    pf = await api.portfolio()
    r = await client.post(
        URL, json={"portfolio_id": pf["id"], "title": "Late", "due_date": _days(-1)}, headers=ADMIN
    )
    assert r.status_code == 201, r.text
    action = r.json()
    [announced] = await _events(app, OVERDUE, action["id"])  # written with the action itself
    assert (announced["overdue"], announced["version"], announced["due_date"]) == (True, 1, _days(-1))

    async def on_the_broker(n: int) -> list[dict[str, Any]] | None:
        got = [e for e in published if e["type"] == f"{OVERDUE}.v1" and e["subject"] == action["id"]]
        return got if len(got) >= n else None

    await eventually(lambda: on_the_broker(1), timeout=10)
    assert await sweep(app.state.db) == 0  # the sweep adds no second announcement
    url = f"{URL}/{action['id']}"
    r = await client.patch(url, json={"due_date": _days(5)}, headers={**ADMIN, "If-Match": '"1"'})
    assert (r.status_code, r.json()["overdue"]) == (200, False)
    assert len(await _events(app, OVERDUE, action["id"])) == 1
    # Back to the same past date: a new crossing, announced again (once).
    r = await client.patch(url, json={"due_date": _days(-1)}, headers={**ADMIN, "If-Match": '"2"'})
    assert (r.status_code, r.json()["overdue"]) == (200, True)
    assert [e["version"] for e in await _events(app, OVERDUE, action["id"])] == [1, 3]
    assert await sweep(app.state.db) == 0
    # Changing something else of an overdue action is no new crossing.
    r = await client.patch(url, json={"owner": "olga"}, headers={**ADMIN, "If-Match": '"3"'})
    assert r.status_code == 200
    assert len(await _events(app, OVERDUE, action["id"])) == 2
    await eventually(lambda: on_the_broker(2), timeout=10)
    # Done, then reopened past due: the crossing of this due date was announced already.
    for version, status in ((4, "done"), (5, "open")):
        r = await client.patch(url, json={"status": status}, headers={**ADMIN, "If-Match": f'"{version}"'})
        assert r.status_code == 200
    assert await sweep(app.state.db) == 0
    assert len(await _events(app, OVERDUE, action["id"])) == 2


async def test_the_sweep_announces_a_due_date_passing_by_itself_within_seconds(
    api: Any,
    client: httpx.AsyncClient,
    app: FastAPI,
    published: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pf = await api.portfolio()
    body = {"portfolio_id": pf["id"], "title": "Due tomorrow", "due_date": _days(1)}
    action = (await client.post(URL, json=body, headers=ADMIN)).json()
    closed = (
        await client.post(URL, json={**body, "title": "Done early", "status": "done"}, headers=ADMIN)
    ).json()
    assert action["overdue"] is False
    crossing = rules.today() + timedelta(days=2)
    monkeypatch.setattr(rules, "today", lambda: crossing)  # midnight passes: the due date is behind us
    started = time.monotonic()

    async def announced() -> list[dict[str, Any]] | None:
        got = [e for e in published if e["type"] == f"{OVERDUE}.v1" and e["subject"] == action["id"]]
        return got or None

    [envelope] = await eventually(announced, timeout=10)
    assert time.monotonic() - started < 10
    assert (envelope["data"]["overdue"], envelope["data"]["version"]) == (True, 2)
    got = await client.get(f"{URL}/{action['id']}", headers=ADMIN)
    assert (got.json()["overdue"], got.headers["ETag"]) == (True, '"2"')
    assert await sweep(app.state.db) == 0
    assert len(await _events(app, OVERDUE, action["id"])) == 1
    assert await _events(app, OVERDUE, closed["id"]) == []  # a done action is never overdue
    audit = await client.get(
        "/portfolio/v1/audit", params={"entity_type": "action", "entity_id": action["id"]}, headers=ADMIN
    )
    assert [(e["action"], e["actor"]) for e in audit.json()["items"]] == [
        ("created", "alice"),
        ("overdue", "system:overdue-sweep"),
    ]

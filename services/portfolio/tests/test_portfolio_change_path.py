"""The change path as users see it: every aggregate's changes in the audit trail (who, which version,
`{field: {from, to}}`), the events built from the changed object, `Location` under the service's
prefix, and strict query strings."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from pmo_common.events.outbox import OUTBOX
from pmo_common.testing.harness import auth
from sqlalchemy import select

ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
AUDIT = "/portfolio/v1/audit"


async def _trail(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    r = await client.get(AUDIT, params=params, headers=VIEWER)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def _events(app: FastAPI, subject: str) -> list[dict[str, Any]]:
    async with app.state.db.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(OUTBOX.c.payload).where(OUTBOX.c.subject == subject).order_by(OUTBOX.c.seq)
            )
        ).all()
    return [json.loads(p) for p in payloads]


async def test_criterion_changes_are_audited_though_no_event_announces_them(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    c = await api.criterion(pf["id"], "Value", max_score=10)
    url = f"/portfolio/v1/portfolios/{pf['id']}/criteria/{c['id']}"
    r = await client.patch(url, json={"weight": 2, "max_score": 20}, headers={**PMO, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2
    same = await client.patch(url, json={"weight": 2}, headers={**PMO, "If-Match": '"2"'})
    assert same.status_code == 200 and same.json()["version"] == 2  # no change: no entry, no version
    assert (await client.delete(url, headers={**ADMIN, "If-Match": '"2"'})).status_code == 204

    entries = await _trail(client, entity_id=c["id"])
    assert [(e["entity_type"], e["action"], e["version"], e["actor"]) for e in entries] == [
        ("criterion", "created", 1, "alice"),
        ("criterion", "updated", 2, "pat"),
        ("criterion", "deleted", 3, "alice"),
    ]
    assert entries[0]["changes"]["name"] == "Value" and "version" not in entries[0]["changes"]
    assert entries[1]["changes"] == {
        "max_score": {"from": 10.0, "to": 20.0},
        "weight": {"from": 1.0, "to": 2.0},
    }
    assert entries[2]["changes"]["weight"] == 2.0
    outbox = await _events(app, "pmo.portfolio.criterion.updated")
    assert outbox == []  # criteria are the portfolio's own configuration: audited, never published


async def test_deleting_a_project_publishes_its_last_state_once_and_audits_it(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "GONE", budget="42.00")
    url = f"/portfolio/v1/projects/{p['id']}"
    assert (
        await client.patch(url, json={"name": "Going"}, headers={**ADMIN, "If-Match": '"1"'})
    ).status_code == 200
    assert (await client.delete(url, headers={**PMO, "If-Match": '"2"'})).status_code == 204

    [deleted] = await _events(app, "pmo.portfolio.project.deleted")
    assert deleted["subject"] == p["id"] and deleted["sequence"] == 3  # the version bumped once
    assert deleted["data"]["deleted"] is True and deleted["data"]["version"] == 3
    assert deleted["data"]["name"] == "Going" and deleted["data"]["budget"] == "42.00"
    [updated] = await _events(app, "pmo.portfolio.project.updated")
    assert updated["data"]["changed"] == ["name"] and updated["data"]["version"] == 2
    entries = await _trail(client, entity_type="project", entity_id=p["id"])
    assert [(e["action"], e["version"], e["actor"]) for e in entries] == [
        ("created", 1, "alice"),
        ("updated", 2, "alice"),
        ("deleted", 3, "pat"),
    ]
    assert entries[1]["changes"] == {"name": {"from": "Project GONE", "to": "Going"}}
    assert entries[2]["changes"]["code"] == "GONE"


async def test_a_stage_change_names_only_the_stage_as_changed(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    p = await api.project((await api.portfolio())["id"], "HOLD")
    assert (await api.decide(p["id"], "on_hold", "hold")).status_code == 201
    [event] = await _events(app, "pmo.portfolio.project.stage_changed")
    assert event["data"]["changed"] == ["stage"] and "held_from" not in event["data"]
    assert (event["data"]["from_stage"], event["data"]["to_stage"]) == ("proposal", "on_hold")
    [entry] = [e for e in await _trail(client, entity_id=p["id"]) if e["action"] == "stage_changed"]
    assert entry["changes"] == {
        "stage": {"from": "proposal", "to": "on_hold"},
        "held_from": {"from": None, "to": "proposal"},
    }


async def test_scenario_creation_and_approval_are_audited(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    await api.project(pf["id"], "A")
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    sid = (await client.post(url, json={"name": "Plan", "budget": "100.00"}, headers=ADMIN)).json()["id"]
    assert (await client.post(f"{url}/{sid}/approve", headers=PMO)).status_code == 200
    entries = await _trail(client, entity_type="scenario")
    assert [(e["entity_id"], e["action"], e["version"], e["actor"]) for e in entries] == [
        (sid, "created", 1, "alice"),
        (sid, "approved", 2, "pat"),
    ]
    assert entries[1]["changes"]["status"] == {"from": "proposed", "to": "approved"}
    assert entries[1]["changes"]["approved_by"] == {"from": None, "to": "pat"}


async def test_the_audit_trail_refuses_an_entity_type_this_service_does_not_have(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get(AUDIT, params={"entity_type": "risk"}, headers=VIEWER)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.entity_type"
    schema = (await client.get("/openapi.json")).json()["paths"]["/portfolio/v1/audit"]["get"]
    [param] = [p for p in schema["parameters"] if p["name"] == "entity_type"]
    assert "criterion" in json.dumps(param["schema"])


async def test_created_resources_are_located_under_the_service_prefix(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    base = "/portfolio/v1"
    created = await client.post(
        f"{base}/portfolios/{pf['id']}/criteria", json={"name": "Value"}, headers=ADMIN
    )
    assert created.headers["Location"] == f"{base}/portfolios/{pf['id']}/criteria/{created.json()['id']}"
    project = await client.post(
        f"{base}/projects",
        json={"portfolio_id": pf["id"], "code": "L", "name": "L", "budget": "1.00"},
        headers=ADMIN,
    )
    assert project.headers["Location"] == f"{base}/projects/{project.json()['id']}"
    assert (await client.get(project.headers["Location"], headers=VIEWER)).status_code == 200
    scenario = await client.post(
        f"{base}/portfolios/{pf['id']}/scenarios", json={"name": "S", "budget": "1.00"}, headers=ADMIN
    )
    assert scenario.headers["Location"] == f"{base}/portfolios/{pf['id']}/scenarios/{scenario.json()['id']}"
    again = await client.post(
        f"{base}/portfolios", json={"name": "X", "currency": "EUR", "budget": "1.00"}, headers=ADMIN
    )
    assert again.headers["Location"] == f"{base}/portfolios/{again.json()['id']}"


async def test_a_listing_refuses_unknown_and_repeated_query_parameters(
    api: Any, client: httpx.AsyncClient
) -> None:
    url = "/portfolio/v1/projects"
    unknown = await client.get(f"{url}?unknown=1", headers=VIEWER)
    assert unknown.status_code == 422 and [e["field"] for e in unknown.json()["errors"]] == ["query.unknown"]
    assert "portfolio_id" in unknown.json()["errors"][0]["message"]  # says what it takes
    repeated = await client.get(f"{url}?limit=1&limit=2", headers=VIEWER)
    assert repeated.status_code == 422 and [e["field"] for e in repeated.json()["errors"]] == ["query.limit"]
    typo = await client.get(f"{url}?stgae=approved", headers=VIEWER)
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "query.stgae"
    pf = await api.portfolio()
    p = await api.project(pf["id"], "Q")
    found = await client.get(
        url, params={"portfolio_id": pf["id"], "stage": "proposal", "q": "q"}, headers=VIEWER
    )
    assert [x["id"] for x in found.json()["items"]] == [p["id"]]

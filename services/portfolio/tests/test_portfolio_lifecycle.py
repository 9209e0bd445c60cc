"""The stage-gate lifecycle through the API: gate decisions, the decision log, on-hold resume."""

from __future__ import annotations

import httpx
from pmo_common.testing.harness import auth

VIEWER = auth("vic", "viewer")


async def test_portfolio_lifecycle_to_closed_with_decision_log(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    p = await api.project((await api.portfolio())["id"], "A")
    for to_stage, decision in [("approved", "approve"), ("in_progress", "approve"), ("closed", "close")]:
        r = await api.decide(p["id"], to_stage, decision)
        assert r.status_code == 201, r.text
    project = (await client.get(f"/portfolio/v1/projects/{p['id']}", headers=VIEWER)).json()
    assert project["stage"] == "closed" and project["version"] == 4
    log = (await client.get(f"/portfolio/v1/projects/{p['id']}/gate-decisions", headers=VIEWER)).json()[
        "items"
    ]
    assert [(d["from_stage"], d["to_stage"], d["decision"], d["decided_by"]) for d in log] == [
        ("proposal", "approved", "approve", "alice"),
        ("approved", "in_progress", "approve", "alice"),
        ("in_progress", "closed", "close", "alice"),
    ]
    assert all(d["rationale"] and d["decided_at"] for d in log)


async def test_portfolio_illegal_transition_is_409_naming_allowed(api) -> None:  # type: ignore[no-untyped-def]
    p = await api.project((await api.portfolio())["id"], "A")
    r = await api.decide(p["id"], "closed", "close")
    assert r.status_code == 409
    assert r.json()["allowed"] == ["approved", "on_hold", "cancelled", "rejected"]
    assert "approved" in r.json()["detail"]
    assert (await api.decide(p["id"], "rejected", "reject")).status_code == 201
    final = await api.decide(p["id"], "approved", "approve")
    assert final.status_code == 409 and final.json()["allowed"] == []


async def test_portfolio_on_hold_resumes_to_the_stage_it_left(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    p = await api.project((await api.portfolio())["id"], "A")
    await api.decide(p["id"], "approved", "approve")
    assert (await api.decide(p["id"], "on_hold", "hold")).status_code == 201
    held = (await client.get(f"/portfolio/v1/projects/{p['id']}", headers=VIEWER)).json()
    assert held["stage"] == "on_hold" and held["held_from"] == "approved"
    wrong = await api.decide(p["id"], "in_progress", "approve")
    assert wrong.status_code == 409 and wrong.json()["allowed"] == ["approved", "cancelled"]
    assert (await api.decide(p["id"], "approved", "approve")).status_code == 201
    resumed = (await client.get(f"/portfolio/v1/projects/{p['id']}", headers=VIEWER)).json()
    assert resumed["stage"] == "approved" and resumed["held_from"] is None


async def test_portfolio_gate_decision_input_and_auth(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    p = await api.project((await api.portfolio())["id"], "A")
    url = f"/portfolio/v1/projects/{p['id']}/gate-decisions"
    r = await client.post(
        url,
        json={"to_stage": "approved", "decision": "approve", "rationale": ""},
        headers=auth("alice", "admin"),
    )
    assert r.status_code == 422 and "rationale" in r.text
    r = await client.post(
        url, json={"to_stage": "approved", "decision": "approve", "rationale": "ok"}, headers=VIEWER
    )
    assert r.status_code == 403
    r = await client.post(url, json={"to_stage": "approved", "decision": "approve", "rationale": "ok"})
    assert r.status_code == 401
    stale = {**auth("alice", "admin"), "If-Match": '"7"'}
    r = await client.post(
        url, json={"to_stage": "approved", "decision": "approve", "rationale": "ok"}, headers=stale
    )
    assert r.status_code == 412
    missing = "/portfolio/v1/projects/00000000-0000-0000-0000-000000000001/gate-decisions"
    assert (await client.get(missing, headers=VIEWER)).status_code == 404

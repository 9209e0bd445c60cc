"""Scenarios (exact selection) and the efficient frontier through the API, including the capacity read
model fed by the resource service's events."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.contracts.events import CapacityChanged, DemandChanged
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually, publish_event
from pmo_portfolio.capacity.models import CapacitySnapshot, ProjectDemand
from sqlalchemy import select

ADMIN = auth("alice", "admin")
VIEWER = auth("vic", "viewer")


async def _portfolio_with_choices(api) -> tuple[dict[str, Any], dict[str, str]]:  # type: ignore[no-untyped-def]
    """A (400, value 100), B (300, 60, needs C), C (200, 20), D (300, 80, excludes A), E in progress (100),
    F closed (never a candidate)."""
    pf = await api.portfolio()
    crit = await api.criterion(pf["id"], "Value", min_score=0, max_score=10)
    ids: dict[str, str] = {}
    ids["C"] = (await api.project(pf["id"], "C", budget="200.00"))["id"]
    ids["A"] = (await api.project(pf["id"], "A", budget="400.00"))["id"]
    ids["B"] = (await api.project(pf["id"], "B", budget="300.00", depends_on=[ids["C"]]))["id"]
    ids["D"] = (await api.project(pf["id"], "D", budget="300.00", excludes=[ids["A"]]))["id"]
    ids["E"] = (await api.project(pf["id"], "E", budget="100.00"))["id"]
    ids["F"] = (await api.project(pf["id"], "F", budget="50.00"))["id"]
    for code, score in {"A": 10, "B": 6, "C": 2, "D": 8, "F": 10}.items():
        await api.scores(ids[code], {crit["id"]: score})
    for stage, decision in [("approved", "approve"), ("in_progress", "approve")]:
        await api.decide(ids["E"], stage, decision)
    await api.decide(ids["F"], "rejected", "reject")
    return pf, ids


async def test_portfolio_scenario_selects_exactly_under_budget_dependencies_and_exclusions(
    api, client
) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    r = await client.post(url, json={"name": "Plan 2027", "budget": "1000.00"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    result = r.json()["result"]
    assert sorted(result["selected"]) == sorted([ids["A"], ids["B"], ids["C"], ids["E"]])
    assert result["total_value"] == pytest.approx(180.0)
    assert result["total_cost"] == "1000.00" and result["budget_slack"] == "0.00"
    assert result["solver"]["optimal"] is True
    excluded = {e["project_id"]: e["reasons"] for e in result["excluded"]}
    assert set(excluded) == {ids["D"]}
    assert any("A" in reason for reason in excluded[ids["D"]]) and ids["A"] not in " ".join(
        excluded[ids["D"]]
    )
    got = await client.get(f"{url}/{r.json()['id']}", headers=VIEWER)
    assert got.status_code == 200 and got.json()["result"] == result
    assert [s["id"] for s in (await client.get(url, headers=VIEWER)).json()["items"]] == [r.json()["id"]]


async def test_portfolio_scenario_force_out_and_weights_override(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    r = await client.post(
        url, json={"name": "No A", "budget": "1000.00", "force_out": [ids["A"]]}, headers=ADMIN
    )
    assert r.status_code == 201
    assert sorted(r.json()["result"]["selected"]) == sorted([ids["B"], ids["C"], ids["D"], ids["E"]])
    crit = (await client.get(f"/portfolio/v1/portfolios/{pf['id']}/criteria", headers=VIEWER)).json()[
        "items"
    ][0]
    r = await client.post(
        url, json={"name": "Zero", "budget": "1000.00", "weights": {crit["id"]: 0}}, headers=ADMIN
    )
    assert r.status_code == 201 and r.json()["weights"] == {crit["id"]: 0}


async def test_portfolio_infeasible_scenario_is_422_naming_the_conflict(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    body = {"name": "Both", "budget": "5000.00", "force_in": [ids["A"], ids["D"]]}
    r = await client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 422
    assert any("A" in c and "D" in c and "exclude" in c for c in r.json()["conflicts"]), r.json()
    r = await client.post(url, json={"name": "Too small", "budget": "50.00"}, headers=ADMIN)
    assert r.status_code == 422 and "E" in r.json()["detail"]
    r = await client.post(
        url, json={"name": "x", "budget": "1.00", "force_in": [str(uuid.uuid4())]}, headers=ADMIN
    )
    assert r.status_code == 422 and "force_in" in r.text
    r = await client.post(
        url, json={"name": "x", "budget": "1.00", "force_in": [ids["A"]] * 1001}, headers=ADMIN
    )
    assert r.status_code == 422 and "force_in" in r.text
    assert (
        await client.post(url, json={"name": "x", "budget": "1.00"}, headers=auth("m", "project_manager"))
    ).status_code == 403


async def test_portfolio_approving_a_scenario_approves_its_proposals_once(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    sid = (await client.post(url, json={"name": "Plan", "budget": "1000.00"}, headers=ADMIN)).json()["id"]
    r = await client.post(f"{url}/{sid}/approve", headers=auth("pat", "pmo"))
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["approved_by"] == "pat"
    assert sorted(r.json()["approved_projects"]) == sorted([ids["A"], ids["B"], ids["C"]])
    stages = {
        code: (await client.get(f"/portfolio/v1/projects/{ids[code]}", headers=VIEWER)).json()["stage"]
        for code in "ABCDE"
    }
    assert stages == {"A": "approved", "B": "approved", "C": "approved", "D": "proposal", "E": "in_progress"}
    log = (await client.get(f"/portfolio/v1/projects/{ids['A']}/gate-decisions", headers=VIEWER)).json()[
        "items"
    ]
    assert log[-1]["decided_by"] == "pat" and "Plan" in log[-1]["rationale"]
    again = await client.post(f"{url}/{sid}/approve", headers=ADMIN)
    assert again.status_code == 409
    missing = await client.post(f"{url}/{uuid.uuid4()}/approve", headers=ADMIN)
    assert missing.status_code == 404


async def test_portfolio_frontier(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/frontier"
    r = await client.get(url, params={"points": 3}, headers=VIEWER)
    assert r.status_code == 200, r.text
    points = r.json()
    assert [(p["budget"], p["value"]) for p in points] == [
        ("100.00", 0.0),
        ("700.00", 120.0),
        ("1300.00", 180.0),
    ]
    assert sorted(points[1]["project_ids"]) == sorted([ids["A"], ids["C"], ids["E"]])
    for bad in (1, 51):
        assert (await client.get(url, params={"points": bad}, headers=VIEWER)).status_code == 422


async def _feed_capacity(app: FastAPI, nats: NatsServer, hours: float, demand: dict[str, float]) -> None:
    await publish_event(
        nats.url,
        CapacityChanged,
        {"id": uuid.uuid4(), "version": 1, "totals": [{"role": "dev", "period": "2027-01", "hours": hours}]},
    )
    for project_id, need in demand.items():
        await publish_event(
            nats.url,
            DemandChanged,
            {"id": project_id, "version": 1, "demand": [{"role": "dev", "period": "2027-01", "hours": need}]},
        )

    async def arrived() -> bool:
        async with app.state.db.sessionmaker() as session:
            snapshot = await session.scalar(select(CapacitySnapshot))
            demands = (await session.scalars(select(ProjectDemand))).all()
            return snapshot is not None and len(demands) == len(demand)

    await eventually(arrived)


async def test_portfolio_scenario_respects_capacity_from_resource_events(  # type: ignore[no-untyped-def]
    api, client: httpx.AsyncClient, app: FastAPI, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    crit = await api.criterion(pf["id"], "Value")
    x = await api.project(pf["id"], "X")
    y = await api.project(pf["id"], "Y")
    await api.scores(x["id"], {crit["id"]: 10})
    await api.scores(y["id"], {crit["id"]: 5})
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    body = {"name": "Staffed", "budget": "1000.00", "respect_capacity": True}
    early = await client.post(url, json=body, headers=ADMIN)
    assert early.status_code == 422 and "respect_capacity" in early.text

    await _feed_capacity(app, nats_server, 100, {x["id"]: 80, y["id"]: 30})

    unconstrained = await client.post(url, json={**body, "respect_capacity": False}, headers=ADMIN)
    assert sorted(unconstrained.json()["result"]["selected"]) == sorted([x["id"], y["id"]])
    r = await client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 201
    result = r.json()["result"]
    assert result["selected"] == [x["id"]]
    [excluded] = result["excluded"]
    assert excluded["project_id"] == y["id"] and "dev" in " ".join(excluded["reasons"])
    frontier = await client.get(
        f"/portfolio/v1/portfolios/{pf['id']}/frontier",
        params={"points": 2, "respect_capacity": True},
        headers=VIEWER,
    )
    assert [p["project_ids"] for p in frontier.json()][-1] == [x["id"]]


async def test_one_approved_scenario_per_portfolio_and_stale_ones_must_be_re_solved(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"

    async def solve(name: str, budget: str) -> dict[str, Any]:
        r = await client.post(url, json={"name": name, "budget": budget}, headers=ADMIN)
        assert r.status_code == 201, r.text
        return r.json()

    older, newer = await solve("Lean", "300.00"), await solve("Full", "1000.00")
    approved = await client.post(f"{url}/{newer['id']}/approve", headers=ADMIN)
    assert approved.status_code == 200, approved.text
    assert sorted(approved.json()["approved_projects"]) == sorted([ids["A"], ids["B"], ids["C"]])
    # The older one was solved on projects that approving the newer one has since moved.
    stale = await client.post(f"{url}/{older['id']}/approve", headers=ADMIN)
    assert stale.status_code == 409 and "re-solve" in stale.json()["detail"]
    # A fresh solve can be approved; the earlier approval is then superseded, never two at once.
    fresh = await solve("Lean again", "300.00")
    assert (await client.post(f"{url}/{fresh['id']}/approve", headers=ADMIN)).status_code == 200
    statuses = {s["name"]: s["status"] for s in (await client.get(url, headers=VIEWER)).json()["items"]}
    assert statuses == {"Lean": "proposed", "Full": "superseded", "Lean again": "approved"}
    again = await client.post(f"{url}/{fresh['id']}/approve", headers=ADMIN)
    assert again.status_code == 409 and "approved" in again.json()["detail"]


async def test_a_project_changed_after_solving_makes_the_scenario_stale(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    scenario = (await client.post(url, json={"name": "Plan", "budget": "1000.00"}, headers=ADMIN)).json()
    project = (await client.get(f"/portfolio/v1/projects/{ids['D']}", headers=ADMIN)).json()
    changed = await client.patch(
        f"/portfolio/v1/projects/{ids['D']}",
        json={"budget": "100.00"},
        headers={**ADMIN, "If-Match": f'"{project["version"]}"'},
    )
    assert changed.status_code == 200
    stale = await client.post(f"{url}/{scenario['id']}/approve", headers=ADMIN)
    assert stale.status_code == 409 and "re-solve" in stale.json()["detail"]


async def test_a_scenario_approval_under_a_two_approver_policy_moves_nothing_yet(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _portfolio_with_choices(api)
    policy = await client.put(
        f"/portfolio/v1/portfolios/{pf['id']}/gate-policy",
        json={"approvals_required": {"approved": 2}},
        headers=ADMIN,
    )
    assert policy.status_code == 200, policy.text
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    scenario = (await client.post(url, json={"name": "Plan", "budget": "1000.00"}, headers=ADMIN)).json()
    approved = await client.post(f"{url}/{scenario['id']}/approve", headers=ADMIN)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_projects"] == []  # one approver of two: each proposal is pending
    project = (await client.get(f"/portfolio/v1/projects/{ids['A']}", headers=ADMIN)).json()
    assert project["stage"] == "proposal"

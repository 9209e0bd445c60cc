"""Gate decisions under separation of duties (contract §7.5): pmo/admin only and never on a project
one manages; failing criteria block an approval unless overridden (and the override is logged);
a stage that needs several approvers waits for them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pmo_common.contracts.events import ResponseCreated, RiskEscalated
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually, publish_event

ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
OTHER_PMO = auth("quinn", "pmo")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")
PM_JOHN = auth("john", "project_manager")
BASE = "/portfolio/v1"


async def decide(
    client: httpx.AsyncClient,
    project_id: str,
    to_stage: str,
    headers: dict[str, str],
    decision: str = "approve",
    **extra: Any,
) -> httpx.Response:
    body = {"to_stage": to_stage, "decision": decision, "rationale": f"to {to_stage}", **extra}
    return await client.post(f"{BASE}/projects/{project_id}/gate-decisions", json=body, headers=headers)


async def stage_of(client: httpx.AsyncClient, project_id: str) -> str:
    return str((await client.get(f"{BASE}/projects/{project_id}", headers=VIEWER)).json()["stage"])


async def decision_log(client: httpx.AsyncClient, project_id: str) -> list[dict[str, Any]]:
    r = await client.get(f"{BASE}/projects/{project_id}/gate-decisions", headers=VIEWER)
    return list(r.json()["items"])


async def set_policy(client: httpx.AsyncClient, portfolio_id: str, required: dict[str, int]) -> None:
    r = await client.put(
        f"{BASE}/portfolios/{portfolio_id}/gate-policy", json={"approvals_required": required}, headers=ADMIN
    )
    assert r.status_code == 200, r.text


async def test_portfolio_gate_decisions_are_the_pmos_and_never_the_managers(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    marys = await api.project(pf["id"], "M", headers=PM_MARY, manager="mary")
    pats = await api.project(pf["id"], "P", manager="pat")
    # A project manager takes no gate decision, not even on their own project.
    for headers in (PM_MARY, PM_JOHN):
        r = await decide(client, marys["id"], "approved", headers)
        assert r.status_code == 403 and "pmo" in r.json()["detail"]
    # Nobody decides the gates of a project they manage, whatever their role.
    r = await decide(client, pats["id"], "approved", PMO)
    assert r.status_code == 403 and "manage" in r.json()["detail"]
    assert (await decide(client, pats["id"], "on_hold", PMO, decision="hold")).status_code == 403
    assert await stage_of(client, pats["id"]) == "proposal" and await decision_log(client, pats["id"]) == []
    # Someone else with the pmo or admin role decides.
    assert (await decide(client, pats["id"], "approved", OTHER_PMO)).status_code == 201
    r = await decide(client, marys["id"], "approved", PMO)
    assert r.status_code == 201 and r.json()["status"] == "applied" and r.json()["decided_by"] == "pat"
    assert await stage_of(client, marys["id"]) == "approved"
    # 403 comes before anything is looked up.
    missing = await decide(client, str(uuid.uuid4()), "approved", PM_MARY)
    assert missing.status_code == 403


async def test_portfolio_failing_criteria_block_an_approval_with_the_facts_seen(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    value = await api.criterion(pf["id"], "Value")
    criteria = [
        {"to_stage": "approved", "key": "scored", "rule": "scores.complete == true"},
        {"to_stage": "approved", "key": "calm", "rule": "risks.open_count <= 3"},
        {"to_stage": "approved", "key": "reported", "rule": "status_report.age_days <= 14"},
    ]
    r = await client.put(f"{BASE}/portfolios/{pf['id']}/gate-criteria", json=criteria[:2], headers=ADMIN)
    assert r.status_code == 200, r.text
    refused = await decide(client, p["id"], "approved", PMO)
    assert refused.status_code == 409, refused.text
    assert "scored" in refused.json()["detail"]
    assert refused.json()["failing_criteria"] == [
        {
            "key": "scored",
            "description": "",
            "rule": "scores.complete == true",
            "passed": False,
            "facts": {"scores.complete": False},
        }
    ]
    assert await stage_of(client, p["id"]) == "proposal" and await decision_log(client, p["id"]) == []
    await api.scores(p["id"], {value["id"]: 5})
    passed = await decide(client, p["id"], "approved", PMO)  # criteria met: no override needed
    assert passed.status_code == 201 and passed.json()["status"] == "applied"
    # Criteria of another stage do not stand in the way; those of the target stage do.
    r = await client.put(
        f"{BASE}/portfolios/{pf['id']}/gate-criteria",
        json=[{**criteria[2], "to_stage": "in_progress"}],
        headers=ADMIN,
    )
    assert r.status_code == 200
    blocked = await decide(client, p["id"], "in_progress", ADMIN)
    assert blocked.status_code == 409
    assert blocked.json()["failing_criteria"][0]["facts"] == {"status_report.age_days": None}
    # A decision that is not an approval is never gated, and carries no override.
    held = await decide(client, p["id"], "on_hold", ADMIN, decision="hold", override={"rationale": "x"})
    assert held.status_code == 422 and held.json()["errors"][0]["field"] == "body.override"
    assert (await decide(client, p["id"], "on_hold", ADMIN, decision="hold")).status_code == 201


async def test_portfolio_an_override_moves_the_project_and_is_logged(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    await api.criterion(pf["id"], "Value")
    criteria = [{"to_stage": "approved", "key": "scored", "rule": "scores.complete == true"}]
    assert (
        await client.put(f"{BASE}/portfolios/{pf['id']}/gate-criteria", json=criteria, headers=ADMIN)
    ).status_code == 200
    empty = await decide(client, p["id"], "approved", PMO, override={"rationale": ""})
    assert empty.status_code == 422
    why = "The board accepted scoring after approval (minutes of 12 March)."
    r = await decide(client, p["id"], "approved", PMO, override={"rationale": why})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "applied" and await stage_of(client, p["id"]) == "approved"
    log = await client.get(f"{BASE}/decisions", params={"project_id": p["id"]}, headers=VIEWER)
    assert log.status_code == 200, log.text
    overrides = [d for d in log.json()["items"] if d["rationale"] == why]
    assert len(overrides) == 1
    entry = overrides[0]
    assert entry["kind"] == "gate" and entry["decided_by"] == "pat" and entry["portfolio_id"] == pf["id"]
    assert "override" in entry["title"].lower() and "scored" in entry["title"]
    assert {"type": "project", "id": p["id"]} in entry["links"]


async def test_portfolio_a_stage_needing_two_approvers_waits_for_the_second(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    url = f"{BASE}/portfolios/{pf['id']}/gate-policy"
    empty = await client.get(url, headers=VIEWER)
    assert empty.json() == {"approvals_required": {}} and empty.headers["etag"] == '"0"'
    r = await client.put(
        url, json={"approvals_required": {"approved": 2}}, headers={**PMO, "If-Match": '"0"'}
    )
    assert r.status_code == 200 and r.headers["etag"] == '"1"'
    got = await client.get(url, headers=VIEWER)
    assert got.json() == {"approvals_required": {"approved": 2}} and got.headers["etag"] == '"1"'
    first = await decide(client, p["id"], "approved", PMO)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "pending" and first.json()["decided_by"] == "pat"
    assert first.json()["project_version"] == 1
    assert await stage_of(client, p["id"]) == "proposal" and await decision_log(client, p["id"]) == []
    again = await decide(client, p["id"], "approved", PMO)
    assert again.status_code == 409 and "already approved" in again.json()["detail"]
    second = await decide(client, p["id"], "approved", ADMIN)
    assert second.status_code == 201 and second.json()["status"] == "applied"
    assert second.json()["decided_by"] == "alice" and second.headers["etag"] == '"2"'
    assert await stage_of(client, p["id"]) == "approved"
    assert [d["decided_by"] for d in await decision_log(client, p["id"])] == ["alice"]
    audit = await client.get(f"{BASE}/audit", params={"entity_type": "gate_approval"}, headers=ADMIN)
    assert [(e["action"], e["actor"]) for e in audit.json()["items"]] == [("created", "pat")]


async def test_portfolio_pending_approvals_reset_when_the_project_leaves_its_stage(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    await set_policy(client, pf["id"], {"approved": 2, "in_progress": 3})
    assert (await decide(client, p["id"], "approved", PMO)).json()["status"] == "pending"
    # Held and resumed: the project left proposal, so pat's approval no longer counts.
    assert (await decide(client, p["id"], "on_hold", ADMIN, decision="hold")).status_code == 201
    assert (await decide(client, p["id"], "proposal", ADMIN)).json()["status"] == "applied"
    assert (await decide(client, p["id"], "approved", ADMIN)).json()["status"] == "pending"
    again = await decide(client, p["id"], "approved", PMO)  # counts anew, so pat may approve again
    assert again.status_code == 201 and again.json()["status"] == "applied"
    for headers, status in ((PMO, "pending"), (ADMIN, "pending"), (OTHER_PMO, "applied")):
        assert (await decide(client, p["id"], "in_progress", headers)).json()["status"] == status
    assert await stage_of(client, p["id"]) == "in_progress"


async def test_portfolio_gate_policy_input(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    url = f"{BASE}/portfolios/{pf['id']}/gate-policy"
    for bad in ({"approved": 0}, {"approved": 6}, {"closed": 2}, {"bogus": 2}, {"approved": "two"}):
        r = await client.put(url, json={"approvals_required": bad}, headers=ADMIN)
        assert r.status_code == 422, bad
    assert (await client.put(url, json={}, headers=ADMIN)).status_code == 422
    body = {"approvals_required": {"in_progress": 2}}
    assert (await client.put(url, json=body, headers=PM_MARY)).status_code == 403
    assert (await client.put(url, json=body, headers={**ADMIN, "If-Match": '"3"'})).status_code == 412
    assert (
        await client.put(f"{BASE}/portfolios/{uuid.uuid4()}/gate-policy", json=body, headers=ADMIN)
    ).status_code == 404
    assert (await client.put(url, json=body, headers=ADMIN)).status_code == 200
    same = await client.put(url, json=body, headers=ADMIN)
    assert same.headers["etag"] == '"1"'  # the same policy again: no new version


async def test_portfolio_an_escalated_risk_blocks_the_gate_until_it_has_a_response(  # type: ignore[no-untyped-def]
    api, client, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    rule = {"to_stage": "approved", "key": "answered", "rule": "risks.escalated_without_response == 0"}
    assert (
        await client.put(f"{BASE}/portfolios/{pf['id']}/gate-criteria", json=[rule], headers=ADMIN)
    ).status_code == 200
    risk_id = uuid.uuid4()
    risk = {
        "id": str(risk_id), "version": 1, "portfolio_id": pf["id"], "project_id": p["id"], "kind": "threat",
        "title": "Vendor slips", "probability": 5, "impact": 4, "score": 20, "level": "critical",
        "emv": "0.00", "escalated": True, "status": "open",
    }  # fmt: skip
    await publish_event(nats_server.url, RiskEscalated, risk)

    async def passed(expected: bool) -> bool:
        r = await client.get(f"{BASE}/projects/{p['id']}/gate-check?to_stage=approved", headers=VIEWER)
        return bool(r.json()["passed"]) is expected

    await eventually(lambda: passed(False))
    refused = await decide(client, p["id"], "approved", PMO)
    assert refused.status_code == 409, refused.text
    assert refused.json()["failing_criteria"][0]["facts"] == {"risks.escalated_without_response": 1}
    response = {
        "id": str(uuid.uuid4()), "version": 1, "risk_id": str(risk_id), "portfolio_id": pf["id"],
        "project_id": p["id"], "strategy": "reduce", "status": "planned",
    }  # fmt: skip
    await publish_event(nats_server.url, ResponseCreated, response)

    await eventually(lambda: passed(True))
    assert (await decide(client, p["id"], "approved", PMO)).status_code == 201


async def test_portfolio_baseline_and_overdue_action_facts(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A", start_date="2026-01-01", finish_date="2027-12-31")
    rule = "baseline.exists == true and actions.overdue == 0"
    criteria = [{"to_stage": "in_progress", "key": "ready", "rule": rule}]
    assert (
        await client.put(f"{BASE}/portfolios/{pf['id']}/gate-criteria", json=criteria, headers=ADMIN)
    ).status_code == 200

    async def facts() -> dict[str, Any]:
        r = await client.get(f"{BASE}/projects/{p['id']}/gate-check?to_stage=in_progress", headers=VIEWER)
        return dict(r.json()["criteria"][0]["facts"])

    assert await facts() == {"baseline.exists": False, "actions.overdue": 0}
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    action = {"portfolio_id": pf["id"], "project_id": p["id"], "title": "Sign", "due_date": yesterday}
    created = await client.post(f"{BASE}/actions", json=action, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert (await decide(client, p["id"], "approved", ADMIN)).status_code == 201  # takes baseline 1
    assert await facts() == {"baseline.exists": True, "actions.overdue": 1}
    assert (await decide(client, p["id"], "in_progress", ADMIN)).status_code == 409
    done = await client.patch(
        f"{BASE}/actions/{created.json()['id']}",
        json={"status": "done"},
        headers={**ADMIN, "If-Match": created.headers["etag"]},
    )
    assert done.status_code == 200, done.text
    assert await facts() == {"baseline.exists": True, "actions.overdue": 0}
    assert (await decide(client, p["id"], "in_progress", ADMIN)).status_code == 201

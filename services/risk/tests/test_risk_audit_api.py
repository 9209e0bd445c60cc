"""The audit trail (`GET /risk/v1/audit`): every change to a risk, issue, response or matrix, with
who made it and `{field: {from, to}}`."""

from typing import Any

from pmo_common.testing.harness import auth

ADMIN = auth("ada", "admin")
PAM = auth("pam", "project_manager")


async def trail(svc: Any, **params: str) -> list[dict[str, Any]]:
    r = await svc.client.get("/risk/v1/audit", params=params, headers=auth("vic", "viewer"))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_risk_s_create_update_and_delete_are_recorded_with_actor_and_changes(svc: Any) -> None:
    _, project_id = await svc.project(manager="pam")
    risk = await svc.risk(project_id, headers=PAM, probability=2, impact=3)
    url = f"/risk/v1/risks/{risk['id']}"
    patched = await svc.client.patch(
        url, json={"title": "Supplier insolvent", "probability": 4}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    assert (await svc.client.delete(url, headers={**ADMIN, "If-Match": '"2"'})).status_code == 204

    entries = await trail(svc, entity_id=risk["id"])
    assert [(e["action"], e["actor"], e["version"], e["entity_type"]) for e in entries] == [
        ("created", "pam", 1, "risk"),
        ("updated", "ada", 2, "risk"),
        ("deleted", "ada", 3, "risk"),
    ]
    created, updated, deleted = (e["changes"] for e in entries)
    assert (created["title"], created["score"], created["level"]) == ("Key supplier fails", 6, "medium")
    assert "version" not in created  # bookkeeping is not a change
    assert updated == {
        "title": {"from": "Key supplier fails", "to": "Supplier insolvent"},
        "probability": {"from": 2, "to": 4},
        "score": {"from": 6, "to": 12},
        "level": {"from": "medium", "to": "high"},
    }
    assert (deleted["title"], deleted["probability"]) == ("Supplier insolvent", 4)


async def test_assessments_and_a_matrix_relevel_are_recorded_on_the_risk(svc: Any) -> None:
    portfolio_id, project_id = await svc.project()
    risk = await svc.risk(project_id, probability=3, impact=3)
    body = {"basis": "residual", "probability": 1, "impact": 2}
    assert (
        await svc.client.post(f"/risk/v1/risks/{risk['id']}/assessments", json=body, headers=ADMIN)
    ).status_code == 201
    matrix = {
        "probability_percent": [10, 30, 50, 70, 90],
        "levels": [{"name": "low", "min_score": 1}, {"name": "high", "min_score": 9}],
        "escalation_score": 20,
    }
    pia = auth("pia", "pmo")
    assert (
        await svc.client.put(f"/risk/v1/matrices/{portfolio_id}", json=matrix, headers=pia)
    ).status_code == 200

    entries = await trail(svc, entity_type="risk", entity_id=risk["id"])
    assert [(e["action"], e["actor"], e["version"]) for e in entries] == [
        ("created", "ada", 1),
        ("assessed", "ada", 2),
        ("relevelled", "pia", 3),
    ]
    assert entries[1]["changes"] == {
        "residual": {"from": None, "to": {"probability": 1, "impact": 2, "score": 2}}
    }
    assert entries[2]["changes"] == {"level": {"from": "medium", "to": "high"}}
    matrices = await trail(svc, entity_type="risk_matrix", entity_id=str(portfolio_id))
    assert [(e["action"], e["actor"], e["version"]) for e in matrices] == [("created", "pia", 1)]
    assert matrices[0]["changes"]["escalation_score"] == 20


async def test_a_matrix_change_is_recorded_as_from_and_to(svc: Any) -> None:
    portfolio_id = await svc.portfolio()
    url = f"/risk/v1/matrices/{portfolio_id}"
    matrix = {
        "probability_percent": [10, 30, 50, 70, 90],
        "levels": [{"name": "low", "min_score": 1}],
        "escalation_score": 15,
    }
    await svc.client.put(url, json=matrix, headers=ADMIN)
    await svc.client.put(url, json=matrix, headers=ADMIN)  # the same again: no new version, no entry
    await svc.client.put(url, json={**matrix, "escalation_score": 12}, headers=auth("pia", "pmo"))
    entries = await trail(svc, entity_type="risk_matrix", entity_id=str(portfolio_id))
    assert [(e["action"], e["actor"], e["version"]) for e in entries] == [
        ("created", "ada", 1),
        ("updated", "pia", 2),
    ]
    assert entries[1]["changes"] == {"escalation_score": {"from": 15, "to": 12}}


async def test_issues_and_a_materialisation_are_recorded(svc: Any) -> None:
    _, project_id = await svc.project()
    r = await svc.client.post(
        "/risk/v1/issues", json={"project_id": str(project_id), "title": "Outage"}, headers=ADMIN
    )
    assert r.status_code == 201, r.text
    issue = r.json()
    assert r.headers["Location"] == f"/risk/v1/issues/{issue['id']}"
    url = f"/risk/v1/issues/{issue['id']}"
    await svc.client.patch(url, json={"priority": "high"}, headers={**ADMIN, "If-Match": '"1"'})
    entries = await trail(svc, entity_type="issue", entity_id=issue["id"])
    assert [(e["action"], e["actor"], e["version"]) for e in entries] == [
        ("created", "ada", 1),
        ("updated", "ada", 2),
    ]
    assert entries[1]["changes"] == {"priority": {"from": "medium", "to": "high"}}

    risk = await svc.risk(project_id)
    made = (await svc.client.post(f"/risk/v1/risks/{risk['id']}/materialise", headers=ADMIN)).json()
    risk_entries = await trail(svc, entity_id=risk["id"])
    assert [e["action"] for e in risk_entries] == ["created", "materialised"]
    changes = risk_entries[1]["changes"]
    assert (changes["status"], changes["issue_id"]) == (
        {"from": "open", "to": "closed"},
        {"from": None, "to": made["id"]},
    )
    assert [e["action"] for e in await trail(svc, entity_id=made["id"])] == ["created"]


async def test_responses_are_recorded_in_the_audit_trail(svc: Any) -> None:
    _, project_id = await svc.project(manager="pam")
    risk = await svc.risk(project_id)
    base = f"/risk/v1/risks/{risk['id']}/responses"
    r = await svc.client.post(base, json={"strategy": "reduce"}, headers=PAM)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["Location"] == f"{base}/{created['id']}"
    await svc.client.patch(
        f"{base}/{created['id']}", json={"status": "done"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    entries = await trail(svc, entity_type="risk_response")
    assert [(e["entity_id"], e["action"], e["actor"], e["version"]) for e in entries] == [
        (created["id"], "created", "pam", 1),
        (created["id"], "updated", "ada", 2),
    ]
    assert entries[0]["changes"]["strategy"] == "reduce"
    assert entries[1]["changes"] == {"status": {"from": "planned", "to": "done"}}
    assert [e["actor"] for e in await trail(svc, actor="pam", entity_type="risk_response")] == ["pam"]


async def test_list_endpoints_refuse_unknown_and_repeated_query_parameters(svc: Any) -> None:
    for path in ("/risk/v1/risks", "/risk/v1/issues", "/risk/v1/responses/overdue", "/risk/v1/audit"):
        unknown = await svc.client.get(f"{path}?unknown=1", headers=ADMIN)
        assert (unknown.status_code, [e["field"] for e in unknown.json()["errors"]]) == (
            422,
            ["query.unknown"],
        ), path
        repeated = await svc.client.get(f"{path}?limit=1&limit=2", headers=ADMIN)
        assert (repeated.status_code, [e["field"] for e in repeated.json()["errors"]]) == (
            422,
            ["query.limit"],
        ), path
    typo = await svc.client.get("/risk/v1/risks?stauts=open", headers=ADMIN)
    assert "status" in typo.json()["errors"][0]["message"]  # it says what the listing takes
    bad = await svc.client.get("/risk/v1/risks?status=done&sort=score", headers=ADMIN)
    assert [e["field"] for e in bad.json()["errors"]] == ["query.status"]

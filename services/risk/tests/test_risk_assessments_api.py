"""Assessments (history, inherent vs residual), escalation events once per crossing, responses."""

import uuid
from typing import Any

from pmo_common.testing.harness import auth, eventually

ADMIN = auth("ada", "admin")


async def assess(svc: Any, risk_id: str, basis: str, probability: int, impact: int, **headers: str) -> Any:
    body = {"basis": basis, "probability": probability, "impact": impact, "note": "workshop"}
    return await svc.client.post(f"/risk/v1/risks/{risk_id}/assessments", json=body, headers=headers or ADMIN)


async def test_an_inherent_assessment_rescores_the_risk_and_joins_the_history(svc: Any) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id, probability=2, impact=2)
    r = await assess(svc, risk["id"], "inherent", 4, 4)
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"2"'
    current = (await svc.client.get(f"/risk/v1/risks/{risk['id']}", headers=ADMIN)).json()
    assert (current["probability"], current["impact"], current["score"], current["level"]) == (
        4,
        4,
        16,
        "high",
    )
    assert (current["residual"], current["escalated"]) == (None, True)
    history = (await svc.client.get(f"/risk/v1/risks/{risk['id']}/assessments", headers=ADMIN)).json()[
        "items"
    ]
    assert [(a["basis"], a["score"], a["assessed_by"]) for a in history] == [
        ("inherent", 4, "ada"),
        ("inherent", 16, "ada"),
    ]


async def test_a_residual_assessment_sets_residual_and_decides_escalation(svc: Any) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id, probability=5, impact=4)  # 20: escalated
    assert risk["escalated"] is True
    await assess(svc, risk["id"], "residual", 2, 3)
    current = (await svc.client.get(f"/risk/v1/risks/{risk['id']}", headers=ADMIN)).json()
    assert current["residual"] == {"probability": 2, "impact": 3, "score": 6}
    assert (current["score"], current["level"], current["escalated"]) == (20, "critical", False)


async def test_assessments_check_rights_input_and_existence(svc: Any) -> None:
    _, project_id = await svc.project(manager="pam")
    risk = await svc.risk(project_id)
    assert (
        await assess(svc, risk["id"], "inherent", 1, 1, **auth("otto", "project_manager"))
    ).status_code == 403
    assert (
        await assess(svc, risk["id"], "inherent", 1, 1, **auth("pam", "project_manager"))
    ).status_code == 201
    bad = await svc.client.post(
        f"/risk/v1/risks/{risk['id']}/assessments",
        json={"basis": "target", "probability": 1, "impact": 9},
        headers=ADMIN,
    )
    assert {e["field"] for e in bad.json()["errors"]} == {"body.basis", "body.impact"}
    assert (await assess(svc, str(uuid.uuid4()), "inherent", 1, 1)).status_code == 404


async def test_each_escalation_crossing_publishes_exactly_one_event(svc: Any, risk_events: list) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id, probability=3, impact=4)  # 12: below 15
    rid = risk["id"]
    await assess(svc, rid, "inherent", 4, 4)  # 16: crosses up → escalated
    await assess(svc, rid, "inherent", 5, 5)  # 25: still escalated, no new escalation event
    await assess(svc, rid, "residual", 3, 5)  # 15: still escalated (the boundary is inclusive)
    await assess(svc, rid, "residual", 2, 2)  # 4: crosses down → deescalated
    await assess(svc, rid, "residual", 1, 2)  # 2: still below
    await assess(svc, rid, "residual", 4, 4)  # 16: up again → escalated
    marker = await svc.client.patch(
        f"/risk/v1/risks/{rid}", json={"title": "done"}, headers={**ADMIN, "If-Match": '"7"'}
    )
    assert marker.status_code == 200, marker.text

    def subjects() -> list[str]:
        return [s.removeprefix("pmo.risk.risk.") for s, e in risk_events if e["subject"] == rid]

    async def marker_arrived() -> bool:
        # The relay publishes one aggregate's events in order: once the last is here, all are.
        return any(e["subject"] == rid and e["data"]["title"] == "done" for _, e in risk_events)

    await eventually(marker_arrived)
    assert subjects() == [
        "raised",
        "updated",
        "escalated",
        "updated",
        "updated",
        "updated",
        "deescalated",
        "updated",
        "updated",
        "escalated",
        "updated",
    ]
    escalations = [e for s, e in risk_events if s == "pmo.risk.risk.escalated"]
    assert [e["sequence"] for e in escalations] == [2, 7]  # the version of the change that crossed
    assert all(e["data"]["escalated"] for e in escalations)


async def test_response_strategies_must_fit_the_kind(svc: Any) -> None:
    _, project_id = await svc.project()
    threat = await svc.risk(project_id)
    opportunity = await svc.risk(project_id, kind="opportunity")
    ok = await svc.client.post(
        f"/risk/v1/risks/{threat['id']}/responses", json={"strategy": "transfer"}, headers=ADMIN
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "planned"
    for risk, strategy in [
        (threat, "exploit"),
        (threat, "share"),
        (opportunity, "avoid"),
        (opportunity, "reduce"),
    ]:
        r = await svc.client.post(
            f"/risk/v1/risks/{risk['id']}/responses", json={"strategy": strategy}, headers=ADMIN
        )
        assert r.status_code == 422, (strategy, r.text)
        assert r.json()["errors"][0]["field"] == "strategy"
    r = await svc.client.post(
        f"/risk/v1/risks/{opportunity['id']}/responses", json={"strategy": "exploit"}, headers=ADMIN
    )
    assert r.status_code == 201
    url = f"/risk/v1/risks/{threat['id']}/responses/{ok.json()['id']}"
    patched = await svc.client.patch(url, json={"strategy": "enhance"}, headers={**ADMIN, "If-Match": '"1"'})
    assert patched.status_code == 422


async def test_responses_patch_with_if_match_and_overdue_ones_are_listed(svc: Any) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id)
    base = f"/risk/v1/risks/{risk['id']}/responses"
    late = (
        await svc.client.post(base, json={"strategy": "reduce", "due_date": "2030-01-10"}, headers=ADMIN)
    ).json()
    done = (
        await svc.client.post(base, json={"strategy": "avoid", "due_date": "2030-01-05"}, headers=ADMIN)
    ).json()
    await svc.client.post(base, json={"strategy": "accept", "due_date": "2030-03-01"}, headers=ADMIN)
    await svc.client.post(base, json={"strategy": "transfer"}, headers=ADMIN)  # no due date: never overdue
    url = f"{base}/{done['id']}"
    assert (await svc.client.patch(url, json={"status": "done"}, headers=ADMIN)).status_code == 428
    assert (
        await svc.client.patch(url, json={"status": "done"}, headers={**ADMIN, "If-Match": '"2"'})
    ).status_code == 412
    r = await svc.client.patch(url, json={"status": "done"}, headers={**ADMIN, "If-Match": '"1"'})
    assert (r.status_code, r.json()["version"]) == (200, 2)
    overdue = await svc.client.get(
        "/risk/v1/responses/overdue",
        params={"as_of": "2030-02-01", "project_id": str(project_id)},
        headers=ADMIN,
    )
    assert [x["id"] for x in overdue.json()["items"]] == [late["id"]]
    listed = await svc.client.get(base, headers=ADMIN)
    assert len(listed.json()["items"]) == 4
    assert (await svc.client.get(f"{base}/{uuid.uuid4()}", headers=ADMIN)).status_code == 404

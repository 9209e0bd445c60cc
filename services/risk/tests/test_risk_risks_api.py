"""Risks over HTTP: creation rules, rights, validation, concurrency, lists."""

import uuid
from typing import Any

from pmo_common.testing.harness import auth

ADMIN = auth("ada", "admin")
PAM = auth("pam", "project_manager")
OTTO = auth("otto", "project_manager")
VIEWER = auth("vic", "viewer")
COST = {"min": "1000.00", "most_likely": "2000.00", "max": "6000.00"}


async def test_a_risk_is_served_with_score_level_emv_and_etag(svc: Any) -> None:
    portfolio_id, project_id = await svc.project()
    r = await svc.client.post(
        "/risk/v1/risks",
        json={
            "project_id": str(project_id),
            "title": "Vendor late",
            "probability": 4,
            "impact": 3,
            "cost_impact": COST,
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    risk = r.json()
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"/risk/v1/risks/{risk['id']}"
    assert risk["portfolio_id"] == str(portfolio_id)  # taken from the project
    assert (risk["score"], risk["level"], risk["escalated"], risk["residual"]) == (12, "high", False, None)
    assert risk["emv"] == "-2100.00"  # 70% × (1000 + 2000 + 6000) / 3, negative for a threat


async def test_an_opportunity_has_a_positive_emv(svc: Any) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id, kind="opportunity", probability=1, cost_impact=COST)
    assert risk["emv"] == "300.00"


async def test_a_risk_for_an_unknown_project_is_a_422_naming_project_id(svc: Any) -> None:
    r = await svc.client.post(
        "/risk/v1/risks",
        json={"project_id": str(uuid.uuid4()), "title": "x", "probability": 1, "impact": 1},
        headers=ADMIN,
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["project_id"]


async def test_a_risk_whose_portfolio_is_not_its_projects_is_a_422(svc: Any) -> None:
    _, project_id = await svc.project()
    body = {
        "project_id": str(project_id),
        "portfolio_id": str(uuid.uuid4()),
        "title": "x",
        "probability": 1,
        "impact": 1,
    }
    r = await svc.client.post("/risk/v1/risks", json=body, headers=ADMIN)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "portfolio_id"


async def test_a_project_manager_writes_only_risks_of_their_own_projects(svc: Any) -> None:
    _, pams_project = await svc.project(manager="pam")
    body = {"project_id": str(pams_project), "title": "Scope creep", "probability": 2, "impact": 2}
    assert (await svc.client.post("/risk/v1/risks", json=body, headers=OTTO)).status_code == 403
    created = await svc.client.post("/risk/v1/risks", json=body, headers=PAM)
    assert created.status_code == 201
    url = f"/risk/v1/risks/{created.json()['id']}"
    denied = await svc.client.patch(url, json={"impact": 5}, headers={**OTTO, "If-Match": '"1"'})
    assert denied.status_code == 403
    assert (await svc.client.get(url, headers=OTTO)).json()["impact"] == 2
    allowed = await svc.client.patch(url, json={"impact": 5}, headers={**PAM, "If-Match": '"1"'})
    assert allowed.status_code == 200


async def test_portfolio_level_risks_need_admin_or_pmo(svc: Any) -> None:
    portfolio_id = await svc.portfolio()
    body = {"portfolio_id": str(portfolio_id), "title": "Currency swing", "probability": 3, "impact": 4}
    assert (await svc.client.post("/risk/v1/risks", json=body, headers=PAM)).status_code == 403
    r = await svc.client.post("/risk/v1/risks", json=body, headers=auth("pia", "pmo"))
    assert r.status_code == 201
    assert r.json()["project_id"] is None


async def test_readers_cannot_write_and_anonymous_callers_are_401(svc: Any) -> None:
    _, project_id = await svc.project()
    body = {"project_id": str(project_id), "title": "x", "probability": 1, "impact": 1}
    assert (await svc.client.post("/risk/v1/risks", json=body, headers=VIEWER)).status_code == 403
    assert (await svc.client.post("/risk/v1/risks", json=body)).status_code == 401
    assert (await svc.client.get("/risk/v1/risks")).status_code == 401
    assert (await svc.client.get("/risk/v1/risks", headers=VIEWER)).status_code == 200


async def test_an_unknown_risk_is_404(svc: Any) -> None:
    r = await svc.client.get(f"/risk/v1/risks/{uuid.uuid4()}", headers=ADMIN)
    assert r.status_code == 404
    assert r.json()["status"] == 404


async def test_invalid_input_names_the_field(svc: Any) -> None:
    _, project_id = await svc.project()
    base = {"project_id": str(project_id), "title": "x", "probability": 3, "impact": 3}
    cases = {
        "body.probability": {**base, "probability": 6},
        "body.impact": {**base, "impact": 0},
        "body.cost_impact": {**base, "cost_impact": {"min": "5.00", "most_likely": "1.00", "max": "9.00"}},
        "body.cost_impact.max": {**base, "cost_impact": {"min": "1.00", "most_likely": "1.00", "max": 9.5}},
        "body.title": {**base, "title": "t" * 201},
        "body.kind": {**base, "kind": "hazard"},
    }
    for field, body in cases.items():
        r = await svc.client.post("/risk/v1/risks", json=body, headers=ADMIN)
        assert r.status_code == 422, (field, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (field, r.json())


async def test_patch_needs_a_current_if_match(svc: Any) -> None:
    _, project_id = await svc.project()
    url = f"/risk/v1/risks/{(await svc.risk(project_id))['id']}"
    assert (await svc.client.patch(url, json={"title": "y"}, headers=ADMIN)).status_code == 428
    assert (
        await svc.client.patch(url, json={"title": "y"}, headers={**ADMIN, "If-Match": '"7"'})
    ).status_code == 412
    ok = await svc.client.patch(
        url, json={"title": "y", "probability": 5}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert ok.status_code == 200
    assert (ok.json()["version"], ok.headers["ETag"], ok.json()["score"]) == (2, '"2"', 15)
    assert (
        await svc.client.patch(url, json={"title": "z"}, headers={**ADMIN, "If-Match": '"1"'})
    ).status_code == 412


async def test_patching_probability_records_an_inherent_assessment(svc: Any) -> None:
    _, project_id = await svc.project()
    url = f"/risk/v1/risks/{(await svc.risk(project_id))['id']}"
    await svc.client.patch(url, json={"probability": 1}, headers={**ADMIN, "If-Match": '"1"'})
    history = (await svc.client.get(f"{url}/assessments", headers=ADMIN)).json()["items"]
    assert [(a["basis"], a["probability"], a["impact"]) for a in history] == [
        ("inherent", 3, 3),
        ("inherent", 1, 3),
    ]


async def test_delete_needs_if_match_and_removes_the_risk(svc: Any) -> None:
    _, project_id = await svc.project()
    url = f"/risk/v1/risks/{(await svc.risk(project_id))['id']}"
    assert (await svc.client.delete(url, headers=ADMIN)).status_code == 428
    assert (await svc.client.delete(url, headers={**ADMIN, "If-Match": '"1"'})).status_code == 204
    assert (await svc.client.get(url, headers=ADMIN)).status_code == 404


async def test_list_filters_sorts_by_score_and_pages(svc: Any) -> None:
    portfolio_id, project_id = await svc.project()
    _, other_project = await svc.project()
    scores = {}
    for p, i, owner in [(1, 2, "ann"), (5, 5, "bob"), (3, 3, "ann"), (2, 4, "bob")]:
        risk = await svc.risk(project_id, probability=p, impact=i, owner=owner)
        scores[risk["id"]] = risk["score"]
    await svc.risk(other_project)
    r = await svc.client.get(
        "/risk/v1/risks", params={"project_id": str(project_id), "sort": "-score"}, headers=ADMIN
    )
    assert [x["score"] for x in r.json()["items"]] == [25, 9, 8, 2]
    ascending = await svc.client.get(
        "/risk/v1/risks", params={"portfolio_id": str(portfolio_id), "sort": "score"}, headers=ADMIN
    )
    assert [x["score"] for x in ascending.json()["items"]] == [2, 8, 9, 25]
    by_owner = await svc.client.get(
        "/risk/v1/risks", params={"project_id": str(project_id), "owner": "ann"}, headers=ADMIN
    )
    assert sorted(x["score"] for x in by_owner.json()["items"]) == [2, 9]
    critical = await svc.client.get(
        "/risk/v1/risks", params={"project_id": str(project_id), "level": "critical"}, headers=ADMIN
    )
    assert [x["score"] for x in critical.json()["items"]] == [25]
    seen, cursor = [], None
    while True:
        params = {
            "project_id": str(project_id),
            "sort": "-score",
            "limit": 3,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await svc.client.get("/risk/v1/risks", params=params, headers=ADMIN)).json()
        seen += [x["score"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [25, 9, 8, 2]
    assert (await svc.client.get("/risk/v1/risks", params={"limit": 501}, headers=ADMIN)).status_code == 422

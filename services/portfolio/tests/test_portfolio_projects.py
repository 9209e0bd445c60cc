"""Projects, criteria and scores over HTTP: validation, filters, object-level auth, audit."""

from __future__ import annotations

import httpx
from pmo_common.testing.harness import auth

ADMIN = auth("alice", "admin")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")
PM_JOHN = auth("john", "project_manager")
PROJECTS = "/portfolio/v1/projects"


async def test_portfolio_project_created_in_proposal_with_exact_money(api) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(
        pf["id"],
        "CRM-1",
        budget="1234.56",
        value="99999.99",
        wsjf={"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 4},
    )
    assert p["stage"] == "proposal" and p["budget"] == "1234.56" and p["value"] == "99999.99"
    assert p["version"] == 1 and p["scores"] == {}


async def test_portfolio_project_validation(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    base = {"portfolio_id": pf["id"], "code": "A", "name": "A", "budget": "1.00"}
    cases = [
        ({"budget": "-5.00"}, "budget"),
        ({"value": 1.5}, "value"),
        ({"start_date": "2027-05-01", "finish_date": "2027-01-01"}, "body"),
        ({"code": "has space"}, "code"),
        ({"stage": "approved"}, "stage"),
        ({"depends_on": ["00000000-0000-0000-0000-000000000001"]}, "depends_on"),
        ({"wsjf": {"business_value": 1, "time_criticality": 1, "risk_reduction": 1, "job_size": 0}}, "wsjf"),
        ({"portfolio_id": "00000000-0000-0000-0000-000000000001"}, "portfolio_id"),
    ]
    for fields, field in cases:
        r = await client.post(PROJECTS, json={**base, **fields}, headers=ADMIN)
        assert r.status_code == 422, (fields, r.text)
        assert any(field in e["field"] for e in r.json()["errors"]), (fields, r.json())


async def test_portfolio_project_code_unique_per_portfolio(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    a, b = await api.portfolio(), await api.portfolio(name="Other")
    await api.project(a["id"], "X-1")
    await api.project(b["id"], "X-1")  # another portfolio may reuse it
    r = await client.post(
        PROJECTS, json={"portfolio_id": a["id"], "code": "X-1", "name": "n", "budget": "1"}, headers=ADMIN
    )
    assert r.status_code == 409 and "X-1" in r.json()["detail"]


async def test_portfolio_project_patch_cannot_change_stage(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    p = await api.project((await api.portfolio())["id"], "A")
    r = await client.patch(
        f"{PROJECTS}/{p['id']}", json={"stage": "approved"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert r.status_code == 422 and "gate-decisions" in r.json()["detail"]
    r = await client.patch(f"{PROJECTS}/{p['id']}", json={"name": None}, headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.name"
    r = await client.patch(
        f"{PROJECTS}/{p['id']}", json={"name": "Renamed"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["stage"] == "proposal"


async def test_portfolio_project_filters_and_pagination(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    a, b = await api.portfolio(), await api.portfolio(name="B")
    crm = await api.project(a["id"], "CRM", name="Customer relations")
    erp = await api.project(a["id"], "ERP", name="Enterprise resources")
    await api.project(b["id"], "WEB", name="Web shop")
    await api.decide(erp["id"], "approved", "approve")

    async def ids(**params: str) -> list[str]:
        r = await client.get(PROJECTS, params=params, headers=VIEWER)
        assert r.status_code == 200
        return [p["id"] for p in r.json()["items"]]

    assert await ids(portfolio_id=a["id"]) == [crm["id"], erp["id"]]
    assert await ids(portfolio_id=a["id"], stage="approved") == [erp["id"]]
    assert await ids(q="customer") == [crm["id"]]
    assert await ids(q="%") == []
    page = (await client.get(PROJECTS, params={"limit": 2}, headers=VIEWER)).json()
    rest = (
        await client.get(PROJECTS, params={"limit": 2, "cursor": page["next_cursor"]}, headers=VIEWER)
    ).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert (await client.get(PROJECTS, params={"stage": "bogus"}, headers=VIEWER)).status_code == 422


async def test_portfolio_project_manager_writes_only_own_projects(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    body = {"portfolio_id": pf["id"], "code": "M", "name": "M", "budget": "1.00"}
    r = await client.post(PROJECTS, json={**body, "manager": "john"}, headers=PM_MARY)
    assert r.status_code == 403
    mine = await api.project(pf["id"], "M", headers=PM_MARY, manager="mary")
    url = f"{PROJECTS}/{mine['id']}"
    assert (
        await client.patch(url, json={"name": "x"}, headers={**PM_JOHN, "If-Match": '"1"'})
    ).status_code == 403
    assert (
        await client.patch(url, json={"name": "x"}, headers={**PM_MARY, "If-Match": '"1"'})
    ).status_code == 200
    assert (await api.decide(mine["id"], "approved", "approve", headers=PM_JOHN)).status_code == 403
    assert (await client.put(f"{url}/scores", json={}, headers=PM_JOHN)).status_code == 403
    assert (await client.delete(url, headers={**PM_JOHN, "If-Match": '"2"'})).status_code == 403
    assert (
        await client.patch(url, json={"name": "y"}, headers={**VIEWER, "If-Match": '"2"'})
    ).status_code == 403


async def test_portfolio_project_unknown_is_404_and_delete_needs_if_match(
    api, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    missing = f"{PROJECTS}/00000000-0000-0000-0000-000000000001"
    assert (await client.get(missing, headers=VIEWER)).status_code == 404
    p = await api.project((await api.portfolio())["id"], "A")
    url = f"{PROJECTS}/{p['id']}"
    assert (await client.delete(url, headers=ADMIN)).status_code == 428
    assert (await client.delete(url, headers={**ADMIN, "If-Match": '"9"'})).status_code == 412
    assert (await client.delete(url, headers={**ADMIN, "If-Match": '"1"'})).status_code == 204
    assert (await client.get(url, headers=VIEWER)).status_code == 404


async def test_portfolio_project_referenced_by_another_cannot_be_deleted(
    api, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    base = await api.project(pf["id"], "BASE")
    await api.project(pf["id"], "TOP", depends_on=[base["id"]])
    r = await client.delete(f"{PROJECTS}/{base['id']}", headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 409 and "TOP" in r.json()["detail"]


async def test_portfolio_criteria_rules(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    url = f"/portfolio/v1/portfolios/{pf['id']}/criteria"
    r = await client.post(url, json={"name": "Risk", "min_score": 5, "max_score": 5}, headers=ADMIN)
    assert r.status_code == 422 and "min_score" in r.text
    c = await api.criterion(pf["id"], "Value", max_score=10)
    assert (await client.post(url, json={"name": "Value"}, headers=ADMIN)).status_code == 409
    assert (await client.post(url, json={"name": "Other"}, headers=PM_MARY)).status_code == 403
    r = await client.patch(f"{url}/{c['id']}", json={"min_score": 20}, headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 422
    r = await client.patch(f"{url}/{c['id']}", json={"weight": 3}, headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["weight"] == 3 and r.json()["version"] == 2
    listed = (await client.get(url, headers=VIEWER)).json()["items"]
    assert [x["name"] for x in listed] == ["Value"]


async def test_portfolio_scores_checked_against_criteria(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    value = await api.criterion(pf["id"], "Value", min_score=0, max_score=10)
    foreign = await api.criterion(other["id"], "Foreign")
    p = await api.project(pf["id"], "A")
    url = f"{PROJECTS}/{p['id']}/scores"
    r = await client.put(url, json={value["id"]: 11}, headers=ADMIN)
    assert (
        r.status_code == 422
        and "Value" in r.json()["detail"]
        and value["id"] in r.json()["errors"][0]["field"]
    )
    r = await client.put(url, json={foreign["id"]: 1}, headers=ADMIN)
    assert r.status_code == 422 and foreign["id"] in r.json()["detail"]
    r = await client.put(url, json={value["id"]: 7.5}, headers={**ADMIN, "If-Match": '"5"'})
    assert r.status_code == 412
    scored = await api.scores(p["id"], {value["id"]: 7.5})
    assert scored["scores"] == {value["id"]: 7.5} and scored["version"] == 2


async def test_portfolio_deleting_a_criterion_drops_its_scores(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    c = await api.criterion(pf["id"], "Value")
    p = await api.project(pf["id"], "A")
    await api.scores(p["id"], {c["id"]: 4})
    r = await client.delete(
        f"/portfolio/v1/portfolios/{pf['id']}/criteria/{c['id']}", headers={**ADMIN, "If-Match": '"1"'}
    )
    assert r.status_code == 204
    project = (await client.get(f"{PROJECTS}/{p['id']}", headers=VIEWER)).json()
    assert project["scores"] == {} and project["version"] == 3


async def test_portfolio_project_audit_trail_records_who_and_what(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A", headers=PM_MARY, manager="mary")
    await client.patch(
        f"{PROJECTS}/{p['id']}", json={"budget": "250.00"}, headers={**PM_MARY, "If-Match": '"1"'}
    )
    await api.decide(p["id"], "approved", "approve")
    r = await client.get("/portfolio/v1/audit", params={"entity_id": p["id"]}, headers=VIEWER)
    entries = r.json()["items"]
    assert [(e["action"], e["actor"], e["version"]) for e in entries] == [
        ("created", "mary", 1),
        ("updated", "mary", 2),
        ("stage_changed", "alice", 3),
    ]
    assert entries[1]["changes"] == {"budget": {"from": "100.00", "to": "250.00"}}
    assert entries[2]["changes"]["stage"] == {"from": "proposal", "to": "approved"}

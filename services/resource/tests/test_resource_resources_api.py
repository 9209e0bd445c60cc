"""People: create, read, filter, page, patch with If-Match, delete; roles and conflicts."""

from __future__ import annotations

from typing import Any

from pmo_common.testing.harness import auth

BASE = "/resource/v1/resources"
ADMIN = auth("admin-1", "admin")
MANAGER = auth("rm-1", "resource_manager")
VIEWER = auth("viewer-1", "viewer")
PM = auth("pm-1", "project_manager")
INTEGRATION = {"X-API-Key": "secret-key"}

ADA = {
    "external_id": "HR-1",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "role": "developer",
    "skills": ["python", "SQL"],
    "org_unit": "R&D",
    "fte": 0.8,
    "hours_per_week": 40,
    "cost_rate": "95.50",
}


async def test_create_and_get_a_resource_with_etag(service: Any) -> None:
    created = await service.client.post(BASE, json=ADA, headers=MANAGER)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["cost_rate"] == "95.50" and body["fte"] == 0.8 and body["version"] == 1
    assert created.headers["ETag"] == '"1"'
    got = await service.client.get(f"{BASE}/{body['id']}", headers=VIEWER)
    assert got.status_code == 200 and got.json()["skills"] == ["python", "SQL"]


async def test_duplicate_external_id_is_a_conflict(service: Any) -> None:
    assert (await service.client.post(BASE, json=ADA, headers=ADMIN)).status_code == 201
    again = await service.client.post(BASE, json={**ADA, "name": "Other"}, headers=ADMIN)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_out_of_range_fields_are_422_naming_the_field(service: Any) -> None:
    for field, value in [
        ("fte", 0),
        ("fte", 1.5),
        ("hours_per_week", 81),
        ("cost_rate", "-1.00"),
        ("cost_rate", 12.5),
    ]:
        response = await service.client.post(BASE, json={**ADA, field: value}, headers=ADMIN)
        assert response.status_code == 422, (field, value)
        assert any(e["field"].endswith(field) for e in response.json()["errors"]), response.json()
    too_many_skills = await service.client.post(
        BASE, json={**ADA, "skills": [f"s{i}" for i in range(101)]}, headers=ADMIN
    )
    assert too_many_skills.status_code == 422


async def test_auth_is_required_and_roles_are_enforced(service: Any) -> None:
    assert (await service.client.get(BASE)).status_code == 401
    assert (await service.client.post(BASE, json=ADA, headers=VIEWER)).status_code == 403
    assert (await service.client.post(BASE, json=ADA, headers=PM)).status_code == 403
    assert (await service.client.post(BASE, json=ADA, headers=INTEGRATION)).status_code == 403
    assert (await service.client.get(BASE, headers=PM)).status_code == 200


async def test_integration_key_reads_people_without_cost_rate(service: Any) -> None:
    person = await service.add_person(**{k: v for k, v in ADA.items() if k != "external_id"})
    listed = await service.client.get(BASE, headers=INTEGRATION)
    assert listed.status_code == 200
    assert listed.json()["items"][0]["cost_rate"] is None
    one = await service.client.get(f"{BASE}/{person['id']}", headers=INTEGRATION)
    assert one.json()["cost_rate"] is None
    assert (await service.client.get(f"{BASE}/{person['id']}", headers=MANAGER)).json()[
        "cost_rate"
    ] == "95.50"


async def test_only_admins_the_pmo_and_resource_managers_see_cost_rates(service: Any) -> None:
    # Contract §7.1: every other role reads the person with `cost_rate` null, one by one and listed.
    person = await service.add_person(cost_rate="95.50")
    for headers, expected in [
        (ADMIN, "95.50"),
        (auth("pmo-1", "pmo"), "95.50"),
        (MANAGER, "95.50"),
        (VIEWER, None),
        (PM, None),
        (INTEGRATION, None),
    ]:
        one = (await service.client.get(f"{BASE}/{person['id']}", headers=headers)).json()
        listed = (await service.client.get(BASE, headers=headers)).json()["items"]
        assert (one["cost_rate"], listed[0]["cost_rate"]) == (expected, expected), headers


async def test_unknown_resource_is_404(service: Any) -> None:
    response = await service.client.get(f"{BASE}/00000000-0000-0000-0000-000000000000", headers=ADMIN)
    assert response.status_code == 404


async def test_patch_needs_if_match_and_refuses_a_stale_one(service: Any) -> None:
    person = await service.add_person()
    url = f"{BASE}/{person['id']}"
    assert (await service.client.patch(url, json={"fte": 0.5}, headers=ADMIN)).status_code == 428
    patched = await service.client.patch(url, json={"fte": 0.5}, headers={**ADMIN, "If-Match": '"1"'})
    assert patched.status_code == 200 and patched.json()["version"] == 2 and patched.json()["fte"] == 0.5
    stale = await service.client.patch(url, json={"fte": 0.6}, headers={**ADMIN, "If-Match": '"1"'})
    assert stale.status_code == 412
    null_name = await service.client.patch(url, json={"name": None}, headers={**ADMIN, "If-Match": '"2"'})
    assert null_name.status_code == 422 and null_name.json()["errors"][0]["field"] == "name"


async def test_patch_to_a_taken_external_id_is_a_conflict(service: Any) -> None:
    await service.add_person("HR-1")
    other = await service.add_person("HR-2")
    response = await service.client.patch(
        f"{BASE}/{other['id']}", json={"external_id": "HR-1"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert response.status_code == 409


async def test_delete_needs_if_match_then_the_resource_is_gone(service: Any) -> None:
    person = await service.add_person()
    url = f"{BASE}/{person['id']}"
    assert (await service.client.delete(url, headers=ADMIN)).status_code == 428
    assert (await service.client.delete(url, headers={**ADMIN, "If-Match": '"7"'})).status_code == 412
    assert (await service.client.delete(url, headers={**ADMIN, "If-Match": '"1"'})).status_code == 204
    assert (await service.client.get(url, headers=ADMIN)).status_code == 404


async def test_filters_and_pagination(service: Any) -> None:
    await service.add_person("HR-1", role="developer", skills=["Python"], org_unit="A")
    await service.add_person("HR-2", role="tester", skills=["python_ish"], org_unit="B")
    await service.add_person("HR-3", role="developer", skills=["go"], org_unit="A", active=False)

    async def ids(query: str) -> list[str]:
        response = await service.client.get(f"{BASE}?{query}", headers=VIEWER)
        assert response.status_code == 200, response.text
        return [r["external_id"] for r in response.json()["items"]]

    assert await ids("role=developer") == ["HR-1", "HR-3"]
    assert await ids("skill=python") == ["HR-1"]
    assert await ids("org_unit=B") == ["HR-2"]
    assert await ids("active=false") == ["HR-3"]
    first = await service.client.get(f"{BASE}?limit=2", headers=VIEWER)
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    second = await service.client.get(f"{BASE}?limit=2&cursor={page['next_cursor']}", headers=VIEWER)
    assert [r["external_id"] for r in second.json()["items"]] == ["HR-3"]
    assert second.json()["next_cursor"] is None


async def test_idempotency_key_replays_the_first_create(service: Any) -> None:
    headers = {**ADMIN, "Idempotency-Key": "k-1"}
    first = await service.client.post(BASE, json=ADA, headers=headers)
    again = await service.client.post(BASE, json=ADA, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    listed = await service.client.get(BASE, headers=ADMIN)
    assert len(listed.json()["items"]) == 1


async def test_the_location_of_a_new_person_is_under_the_service_prefix(service: Any) -> None:
    created = await service.client.post(BASE, json=ADA, headers=ADMIN)
    assert created.headers["Location"] == f"{BASE}/{created.json()['id']}"
    assert (await service.client.get(created.headers["Location"], headers=ADMIN)).status_code == 200


async def test_listing_refuses_unknown_and_repeated_query_parameters(service: Any) -> None:
    unknown = await service.client.get(f"{BASE}?unknown=1", headers=ADMIN)
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.unknown"]
    repeated = await service.client.get(f"{BASE}?limit=1&limit=2", headers=ADMIN)
    assert repeated.status_code == 422
    assert [e["field"] for e in repeated.json()["errors"]] == ["query.limit"]

"""Portfolios: CRUD, validation, concurrency, auth and the audit trail."""

from __future__ import annotations

from typing import Any

import httpx
from pmo_common.testing.harness import auth

ADMIN = auth("alice", "admin")
VIEWER = auth("vic", "viewer")
BASE = "/portfolio/v1/portfolios"


async def _create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    body = {"name": "Digital", "currency": "EUR", "budget": "1000000.00", **fields}
    return await client.post(BASE, json=body, headers=ADMIN)


async def test_portfolio_round_trip_with_etag_and_exact_money(client: httpx.AsyncClient) -> None:
    r = await _create(client, budget="1250000.10", start_date="2027-01-01", end_date="2027-12-31")
    assert r.status_code == 201
    created = r.json()
    assert created["budget"] == "1250000.10" and created["version"] == 1
    got = await client.get(f"{BASE}/{created['id']}", headers=VIEWER)
    assert got.status_code == 200 and got.headers["ETag"] == '"1"'
    assert got.json()["budget"] == "1250000.10"


async def test_portfolio_validation_names_the_field(client: httpx.AsyncClient) -> None:
    cases = [
        ({"budget": 100.5}, "body.budget"),
        ({"budget": "-1.00"}, "body.budget"),
        ({"currency": "euro"}, "body.currency"),
        ({"currency": "XYZ"}, "body.currency"),  # three letters, but no ISO 4217 currency
        ({"start_date": "2027-02-01", "end_date": "2027-01-01"}, "body"),
        ({"name": "x" * 201}, "body.name"),
    ]
    for fields, field in cases:
        r = await _create(client, **fields)
        assert r.status_code == 422, fields
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()


async def test_portfolio_patch_needs_if_match_and_rejects_stale(client: httpx.AsyncClient) -> None:
    pid = (await _create(client)).json()["id"]
    url = f"{BASE}/{pid}"
    assert (await client.patch(url, json={"name": "New"}, headers=ADMIN)).status_code == 428
    ok = await client.patch(url, json={"name": "New"}, headers={**ADMIN, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["ETag"] == '"2"'
    stale = await client.patch(url, json={"name": "Newer"}, headers={**ADMIN, "If-Match": '"1"'})
    assert stale.status_code == 412
    bad_dates = await client.patch(
        url, json={"end_date": "2000-01-01", "start_date": "2001-01-01"}, headers={**ADMIN, "If-Match": '"2"'}
    )
    assert bad_dates.status_code == 422


async def test_portfolio_patch_rechecks_dates_against_stored_values(client: httpx.AsyncClient) -> None:
    pid = (await _create(client, start_date="2027-01-01", end_date="2027-12-31")).json()["id"]
    r = await client.patch(
        f"{BASE}/{pid}", json={"end_date": "2026-01-01"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert r.status_code == 422 and "end_date" in r.text


async def test_portfolio_auth(client: httpx.AsyncClient) -> None:
    assert (await client.get(BASE)).status_code == 401
    r = await client.post(BASE, json={"name": "X", "currency": "EUR", "budget": "1.00"}, headers=VIEWER)
    assert r.status_code == 403
    pm = auth("mary", "project_manager")
    r = await client.post(BASE, json={"name": "X", "currency": "EUR", "budget": "1.00"}, headers=pm)
    assert r.status_code == 403
    assert (await client.get(BASE, headers=VIEWER)).status_code == 200


async def test_portfolio_list_paginates_stably(client: httpx.AsyncClient) -> None:
    ids = [(await _create(client, name=f"P{i}")).json()["id"] for i in range(3)]
    first = (await client.get(BASE, params={"limit": 2}, headers=VIEWER)).json()
    second = (
        await client.get(BASE, params={"limit": 2, "cursor": first["next_cursor"]}, headers=VIEWER)
    ).json()
    assert [p["id"] for p in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None


async def test_portfolio_with_projects_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    pid = (await _create(client)).json()["id"]
    body = {"portfolio_id": pid, "code": "A", "name": "A", "budget": "1.00"}
    assert (await client.post("/portfolio/v1/projects", json=body, headers=ADMIN)).status_code == 201
    r = await client.delete(f"{BASE}/{pid}", headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 409 and "project" in r.json()["detail"]


async def test_portfolio_delete_then_404(client: httpx.AsyncClient) -> None:
    pid = (await _create(client)).json()["id"]
    assert (await client.delete(f"{BASE}/{pid}", headers=ADMIN)).status_code == 428
    assert (await client.delete(f"{BASE}/{pid}", headers={**ADMIN, "If-Match": '"1"'})).status_code == 204
    assert (await client.get(f"{BASE}/{pid}", headers=ADMIN)).status_code == 404


async def test_portfolio_changes_are_in_the_audit_trail(client: httpx.AsyncClient) -> None:
    pid = (await _create(client)).json()["id"]
    await client.patch(
        f"{BASE}/{pid}", json={"budget": "5.00"}, headers={**auth("pat", "pmo"), "If-Match": '"1"'}
    )
    await client.delete(f"{BASE}/{pid}", headers={**ADMIN, "If-Match": '"2"'})
    r = await client.get("/portfolio/v1/audit", params={"entity_id": pid}, headers=VIEWER)
    entries = r.json()["items"]
    assert [(e["action"], e["version"], e["actor"]) for e in entries] == [
        ("created", 1, "alice"),
        ("updated", 2, "pat"),
        ("deleted", 3, "alice"),
    ]
    assert entries[0]["changes"]["budget"] == "1000000.00"
    assert entries[1]["changes"] == {"budget": {"from": "1000000.00", "to": "5.00"}}


async def test_a_created_portfolio_reads_back_exactly_as_its_create_answered(
    client: httpx.AsyncClient,
) -> None:
    # The create is one Core INSERT written with its event and audit entry, and the read by id a Core
    # row (issue #17): neither may differ from what the ORM gave, field for field.
    r = await _create(client, description="load", start_date="2027-01-01")
    created = r.json()
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == f"{BASE}/{created['id']}"
    assert created["fields"] == [] and created["end_date"] is None
    assert created["created_at"] == created["updated_at"]
    got = await client.get(f"{BASE}/{created['id']}", headers=VIEWER)
    assert got.json() == created and got.headers["ETag"] == '"1"'
    patched = await client.patch(
        f"{BASE}/{created['id']}", json={"name": "Renamed"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2  # the ORM versions the Core row
    assert (await client.get(f"{BASE}/{created['id']}", headers=VIEWER)).headers["ETag"] == '"2"'

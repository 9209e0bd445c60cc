"""Programmes over HTTP (contract §7.2): create, read, change with If-Match, delete; code unique per
portfolio; a programme with projects and a portfolio with programmes are not deleted; projects name a
programme of their own portfolio; every change publishes its programme event."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import httpx
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually

from .test_portfolio_events import _stream_events

BASE = "/portfolio/v1"
URL = f"{BASE}/programmes"
ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")


async def _programme(
    client: httpx.AsyncClient, portfolio_id: str, code: str, **fields: Any
) -> dict[str, Any]:
    body = {"portfolio_id": portfolio_id, "code": code, "name": f"Programme {code}", **fields}
    r = await client.post(URL, json=body, headers=PMO)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _fields(r: httpx.Response) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


async def test_a_programme_is_created_read_changed_and_deleted(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    body = {"portfolio_id": pf["id"], "code": "BRIDGES", "name": "Bridge renewal", "owner": "olga"}
    r = await client.post(URL, json=body, headers=PMO)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["Location"].endswith(f"{URL}/{created['id']}") and r.headers["ETag"] == '"1"'
    assert created | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "portfolio_id": pf["id"],
        "code": "BRIDGES",
        "name": "Bridge renewal",
        "description": "",
        "owner": "olga",
        "version": 1,
        "created_at": None,
        "updated_at": None,
    }
    got = await client.get(f"{URL}/{created['id']}", headers=VIEWER)
    assert (got.status_code, got.headers["ETag"], got.json()) == (200, '"1"', created)
    url = f"{URL}/{created['id']}"
    assert (await client.patch(url, json={"owner": "otto"}, headers=PMO)).status_code == 428
    assert (
        await client.patch(url, json={"owner": "otto"}, headers={**PMO, "If-Match": '"0"'})
    ).status_code == 412
    r = await client.patch(url, json={"owner": None, "name": "Bridges"}, headers={**PMO, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert (r.json()["owner"], r.json()["name"], r.json()["version"], r.headers["ETag"]) == (
        None,
        "Bridges",
        2,
        '"2"',
    )
    assert (await client.delete(url, headers=PMO)).status_code == 428
    assert (await client.delete(url, headers={**PMO, "If-Match": '"2"'})).status_code == 204
    assert (await client.get(url, headers=VIEWER)).status_code == 404


async def test_programme_codes_are_unique_per_portfolio(api: Any, client: httpx.AsyncClient) -> None:
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    first = await _programme(client, pf["id"], "P1")
    await _programme(client, other["id"], "P1")  # another portfolio may use the code
    r = await client.post(URL, json={"portfolio_id": pf["id"], "code": "P1", "name": "Again"}, headers=PMO)
    assert r.status_code == 409 and _fields(r) == ["code"]
    second = await _programme(client, pf["id"], "P2")
    r = await client.patch(f"{URL}/{second['id']}", json={"code": "P1"}, headers={**PMO, "If-Match": '"1"'})
    assert r.status_code == 409 and _fields(r) == ["code"]
    same = await client.patch(f"{URL}/{first['id']}", json={"code": "P1"}, headers={**PMO, "If-Match": '"1"'})
    assert same.status_code == 200 and same.json()["version"] == 1  # unchanged: no new version


async def test_programme_input_is_validated_naming_the_field(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    for body, field in [
        ({"portfolio_id": str(uuid.uuid4()), "code": "X", "name": "X"}, "portfolio_id"),
        ({"portfolio_id": pf["id"], "code": "has space", "name": "X"}, "body.code"),
        ({"portfolio_id": pf["id"], "code": "X", "name": ""}, "body.name"),
        ({"portfolio_id": pf["id"], "code": "X", "name": "X", "colour": "red"}, "body.colour"),
    ]:
        r = await client.post(URL, json=body, headers=PMO)
        assert r.status_code == 422 and _fields(r) == [field], (body, r.text)
    programme = await _programme(client, pf["id"], "P")
    for body, field in [({"name": None}, "body.name"), ({"portfolio_id": pf["id"]}, "body.portfolio_id")]:
        r = await client.patch(f"{URL}/{programme['id']}", json=body, headers={**PMO, "If-Match": '"1"'})
        assert r.status_code == 422 and _fields(r) == [field], (body, r.text)


async def test_programmes_are_written_by_admin_and_pmo_and_read_by_everyone(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    body = {"portfolio_id": pf["id"], "code": "P", "name": "P"}
    for who in (PM_MARY, VIEWER):
        assert (await client.post(URL, json=body, headers=who)).status_code == 403
    programme = await _programme(client, pf["id"], "P")
    for who in (PM_MARY, VIEWER):
        assert (await client.get(f"{URL}/{programme['id']}", headers=who)).status_code == 200
        headers = {**who, "If-Match": '"1"'}
        assert (
            await client.patch(f"{URL}/{programme['id']}", json={"name": "Q"}, headers=headers)
        ).status_code == 403
        assert (await client.delete(f"{URL}/{programme['id']}", headers=headers)).status_code == 403
    assert (await client.post(URL, json={**body, "code": "Q"}, headers=ADMIN)).status_code == 201


async def test_programmes_list_by_portfolio_with_pagination(api: Any, client: httpx.AsyncClient) -> None:
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    mine = [(await _programme(client, pf["id"], f"P{i}"))["id"] for i in range(5)]
    await _programme(client, other["id"], "X")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {
            "portfolio_id": pf["id"],
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get(URL, params=params, headers=VIEWER)).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == mine
    assert len((await client.get(URL, headers=VIEWER)).json()["items"]) == 6
    assert (await client.get(URL, params={"portfolio": pf["id"]}, headers=VIEWER)).status_code == 422


async def test_projects_belong_to_a_programme_of_their_own_portfolio(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    programme = await _programme(client, pf["id"], "P")
    foreign = await _programme(client, other["id"], "F")
    project = await api.project(pf["id"], "A", programme_id=programme["id"])
    assert project["programme_id"] == programme["id"]
    for programme_id in (foreign["id"], str(uuid.uuid4())):
        body = {
            "portfolio_id": pf["id"],
            "code": "B",
            "name": "B",
            "budget": "1.00",
            "programme_id": programme_id,
        }
        r = await client.post(f"{BASE}/projects", json=body, headers=ADMIN)
        assert r.status_code == 422 and _fields(r) == ["programme_id"], r.text
        r = await client.patch(
            f"{BASE}/projects/{project['id']}",
            json={"programme_id": programme_id},
            headers={**ADMIN, "If-Match": '"1"'},
        )
        assert r.status_code == 422 and _fields(r) == ["programme_id"], r.text
    listed = await client.get(f"{BASE}/projects", params={"programme_id": programme["id"]}, headers=VIEWER)
    assert [p["code"] for p in listed.json()["items"]] == ["A"]


async def test_a_programme_with_projects_and_a_portfolio_with_programmes_are_not_deleted(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    programme = await _programme(client, pf["id"], "P")
    projects = [await api.project(pf["id"], code, programme_id=programme["id"]) for code in ("A", "B")]
    r = await client.delete(f"{URL}/{programme['id']}", headers={**PMO, "If-Match": '"1"'})
    assert r.status_code == 409, r.text
    assert "2 project(s)" in r.json()["detail"] and "move them" in r.json()["detail"]
    for project in projects:
        url = f"{BASE}/projects/{project['id']}"
        r = await client.patch(url, json={"programme_id": None}, headers={**ADMIN, "If-Match": '"1"'})
        assert r.status_code == 200 and r.json()["programme_id"] is None
        assert (await client.delete(url, headers={**ADMIN, "If-Match": '"2"'})).status_code == 204
    pf_url = f"{BASE}/portfolios/{pf['id']}"
    r = await client.delete(pf_url, headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 409 and "1 programme(s)" in r.json()["detail"]
    assert (
        await client.delete(f"{URL}/{programme['id']}", headers={**PMO, "If-Match": '"1"'})
    ).status_code == 204
    assert (await client.delete(pf_url, headers={**ADMIN, "If-Match": '"1"'})).status_code == 204


async def test_programme_changes_publish_their_events_with_full_state(
    api: Any, client: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    programme = await _programme(client, pf["id"], "P", description="All bridges")
    url = f"{URL}/{programme['id']}"
    await client.patch(url, json={"owner": "olga"}, headers={**PMO, "If-Match": '"1"'})
    await client.patch(url, json={"owner": "olga"}, headers={**PMO, "If-Match": '"2"'})  # no change: no event
    project = await api.project(pf["id"], "A", programme_id=programme["id"])
    r = await client.patch(
        f"{BASE}/projects/{project['id']}", json={"programme_id": None}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (await client.delete(url, headers={**PMO, "If-Match": '"2"'})).status_code == 204
    wanted = ("pmo.portfolio.programme.", "pmo.portfolio.project.")

    async def published() -> list[dict[str, Any]] | None:
        events = [e for e in await _stream_events(nats_server.url) if e["type"].startswith(wanted)]
        counts = Counter(e["type"].removesuffix(".v1") for e in events)
        expected = {
            "pmo.portfolio.programme.created": 1,
            "pmo.portfolio.programme.updated": 1,
            "pmo.portfolio.programme.deleted": 1,
            "pmo.portfolio.project.created": 1,
            "pmo.portfolio.project.updated": 1,
        }
        return events if counts == Counter(expected) else None

    events = {
        e["type"].removesuffix(".v1").removeprefix("pmo.portfolio."): e for e in await eventually(published)
    }
    created = events["programme.created"]
    assert created["subject"] == programme["id"] and created["sequence"] == 1
    assert created["data"] | {"changed": None} == {
        "id": programme["id"],
        "version": 1,
        "changed": None,
        "portfolio_id": pf["id"],
        "code": "P",
        "name": "Programme P",
        "description": "All bridges",
        "owner": None,
        "deleted": False,
    }
    updated = events["programme.updated"]
    assert (updated["sequence"], updated["data"]["owner"], updated["data"]["changed"]) == (
        2,
        "olga",
        ["owner"],
    )
    deleted = events["programme.deleted"]
    assert (deleted["sequence"], deleted["data"]["deleted"], deleted["data"]["version"]) == (3, True, 3)
    assert events["project.created"]["data"]["programme_id"] == programme["id"]
    moved = events["project.updated"]["data"]
    assert (moved["programme_id"], moved["changed"]) == (None, ["programme_id"])

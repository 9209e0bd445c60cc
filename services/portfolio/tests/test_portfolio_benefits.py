"""The benefits register over HTTP (contract §7.7): create, read, change with If-Match, delete;
validation naming fields, where a benefit may belong, filters and pagination, who may write."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from pmo_common.testing.harness import auth
from pmo_portfolio.programmes.models import Programme

URL = "/portfolio/v1/benefits"
ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")
PM_JOHN = auth("john", "project_manager")
NOBODY = "00000000-0000-4000-8000-000000000000"


def _fields(r: httpx.Response) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


def _body(portfolio_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "portfolio_id": portfolio_id,
        "name": "Cost per support ticket",
        "kind": "financial",
        "unit": "EUR",
        "baseline_value": 12,
        "target_value": 8,
        **fields,
    }


async def _benefit(
    client: httpx.AsyncClient, portfolio_id: str, headers: dict[str, str] = ADMIN, **fields: Any
) -> dict[str, Any]:
    r = await client.post(URL, json=_body(portfolio_id, **fields), headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def programme(app: FastAPI, portfolio_id: str, code: str = "G1") -> str:
    """A programme row (the programmes API is another package's; the table is what benefits check)."""
    async with app.state.db.transaction() as session:
        made = Programme(
            id=uuid.uuid4(), portfolio_id=uuid.UUID(portfolio_id), code=code, name=f"Programme {code}"
        )
        session.add(made)
    return str(made.id)


async def test_a_benefit_is_created_read_changed_and_deleted(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    body = _body(pf["id"], project_id=p["id"], target_date="2027-12-31", owner="olga")
    r = await client.post(URL, json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["Location"].endswith(f"{URL}/{created['id']}") and r.headers["ETag"] == '"1"'
    assert created | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "portfolio_id": pf["id"],
        "programme_id": None,
        "project_id": p["id"],
        "name": "Cost per support ticket",
        "kind": "financial",
        "unit": "EUR",
        "baseline_value": 12.0,
        "target_value": 8.0,
        "target_date": "2027-12-31",
        "owner": "olga",
        "latest": None,
        "realised_percent": None,
        "version": 1,
        "created_at": None,
        "updated_at": None,
    }
    got = await client.get(f"{URL}/{created['id']}", headers=VIEWER)
    assert (got.status_code, got.headers["ETag"], got.json()) == (200, '"1"', created)
    r = await client.patch(
        f"{URL}/{created['id']}",
        json={"target_value": 7.5, "owner": None, "kind": "non_financial"},
        headers={**ADMIN, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert (changed["target_value"], changed["owner"], changed["kind"], changed["version"]) == (
        7.5,
        None,
        "non_financial",
        2,
    )
    assert r.headers["ETag"] == '"2"'
    r = await client.delete(f"{URL}/{created['id']}", headers={**ADMIN, "If-Match": '"2"'})
    assert r.status_code == 204
    assert (await client.get(f"{URL}/{created['id']}", headers=ADMIN)).status_code == 404
    assert (await client.get(URL, params={"portfolio_id": pf["id"]}, headers=ADMIN)).json()["items"] == []


async def test_invalid_fields_are_422s_naming_them(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    base = _body(pf["id"])
    cases = [
        ({k: v for k, v in base.items() if k != "name"}, "body.name"),
        ({**base, "name": ""}, "body.name"),
        ({**base, "name": "x" * 201}, "body.name"),
        ({**base, "name": "a\u0000b"}, "body.name"),
        ({**base, "kind": "monetary"}, "body.kind"),
        ({k: v for k, v in base.items() if k != "kind"}, "body.kind"),
        ({**base, "unit": "u" * 51}, "body.unit"),
        ({**base, "baseline_value": "lots"}, "body.baseline_value"),
        ({**base, "baseline_value": 1e13}, "body.baseline_value"),
        ({**base, "target_value": -1e13}, "body.target_value"),
        ({**base, "target_value": None}, "body.target_value"),
        ({**base, "target_date": "2027-02-30"}, "body.target_date"),
        ({**base, "owner": ""}, "body.owner"),
        ({**base, "colour": "red"}, "body.colour"),
        ({k: v for k, v in base.items() if k != "portfolio_id"}, "body.portfolio_id"),
        ({**base, "portfolio_id": NOBODY}, "portfolio_id"),
        ({**base, "project_id": NOBODY}, "project_id"),
        ({**base, "programme_id": NOBODY}, "programme_id"),
    ]
    for body, field in cases:
        r = await client.post(URL, json=body, headers=ADMIN)
        assert (r.status_code, field in _fields(r)) == (422, True), (body, r.json())
    # Numbers beyond the range JSON can carry as a float are refused, not stored as infinity.
    huge = b'{"portfolio_id": "%s", "name": "x", "kind": "financial", "baseline_value": 1e400, "target_value": 1}'
    r = await client.post(
        URL, content=huge % pf["id"].encode(), headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert (r.status_code, _fields(r)) == (422, ["body.baseline_value"])
    made = await _benefit(client, pf["id"])
    for patch, field in [
        ({"name": None}, "body.name"),
        ({"kind": None}, "body.kind"),
        ({"kind": "soft"}, "body.kind"),
        ({"baseline_value": None}, "body.baseline_value"),
        ({"target_value": float("1e12") * 10}, "body.target_value"),
        ({"portfolio_id": pf["id"]}, "body.portfolio_id"),
        ({"project_id": NOBODY}, "project_id"),
    ]:
        r = await client.patch(f"{URL}/{made['id']}", json=patch, headers={**ADMIN, "If-Match": '"1"'})
        assert (r.status_code, field in _fields(r)) == (422, True), (patch, r.json())


async def test_a_programme_or_project_must_be_of_the_benefits_portfolio(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    p, q = await api.project(pf["id"], "A"), await api.project(other["id"], "B")
    g, h = await programme(app, pf["id"]), await programme(app, other["id"])
    made = await _benefit(client, pf["id"], programme_id=g, project_id=p["id"])
    assert (made["programme_id"], made["project_id"]) == (g, p["id"])
    for body, field in [({"project_id": q["id"]}, "project_id"), ({"programme_id": h}, "programme_id")]:
        r = await client.post(URL, json=_body(pf["id"], **body), headers=ADMIN)
        assert (r.status_code, _fields(r)) == (422, [field]), body
        assert other["id"] in r.json()["errors"][0]["message"]
        moved = await client.patch(f"{URL}/{made['id']}", json=body, headers={**ADMIN, "If-Match": '"1"'})
        assert (moved.status_code, _fields(moved)) == (422, [field]), body
    detached = await client.patch(
        f"{URL}/{made['id']}", json={"programme_id": None}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert (detached.status_code, detached.json()["programme_id"]) == (200, None)


async def test_a_benefit_outlives_its_project(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    made = await _benefit(client, pf["id"], project_id=p["id"])
    gone = await client.delete(f"/portfolio/v1/projects/{p['id']}", headers={**ADMIN, "If-Match": '"1"'})
    assert gone.status_code == 204, gone.text
    kept = await client.get(f"{URL}/{made['id']}", headers=ADMIN)
    assert (kept.status_code, kept.json()["project_id"]) == (200, p["id"])
    # Its other fields still change; the project it names is not checked again until it is changed.
    renamed = await client.patch(
        f"{URL}/{made['id']}", json={"name": "Cost per ticket"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert (renamed.status_code, renamed.json()["project_id"]) == (200, p["id"])


async def test_a_portfolio_with_benefits_is_not_deleted(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    made = await _benefit(client, pf["id"])
    url = f"/portfolio/v1/portfolios/{pf['id']}"
    r = await client.delete(url, headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 409 and "1 benefit" in r.json()["detail"], r.text
    await client.delete(f"{URL}/{made['id']}", headers={**ADMIN, "If-Match": '"1"'})
    assert (await client.delete(url, headers={**ADMIN, "If-Match": '"1"'})).status_code == 204


async def test_patch_and_delete_require_a_current_if_match(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    made = await _benefit(client, pf["id"])
    url = f"{URL}/{made['id']}"
    assert (await client.patch(url, json={"owner": "a"}, headers=ADMIN)).status_code == 428
    stale = await client.patch(url, json={"owner": "a"}, headers={**ADMIN, "If-Match": '"7"'})
    assert stale.status_code == 412
    weak = await client.patch(url, json={"owner": "a"}, headers={**ADMIN, "If-Match": 'W/"1"'})
    assert weak.status_code == 412
    assert (await client.delete(url, headers=ADMIN)).status_code == 428
    assert (await client.delete(url, headers={**ADMIN, "If-Match": '"2"'})).status_code == 412
    assert (await client.get(url, headers=ADMIN)).json()["version"] == 1
    assert (await client.get(f"{URL}/{NOBODY}", headers=ADMIN)).status_code == 404


async def test_an_idempotency_key_creates_the_benefit_once(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    headers = {**ADMIN, "Idempotency-Key": "benefit-1"}
    first = await client.post(URL, json=_body(pf["id"]), headers=headers)
    again = await client.post(URL, json=_body(pf["id"]), headers=headers)
    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 201, first.json()["id"])
    listed = await client.get(URL, params={"portfolio_id": pf["id"]}, headers=ADMIN)
    assert [b["id"] for b in listed.json()["items"]] == [first.json()["id"]]


async def test_filters_and_pages_narrow_the_register(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    p, q = await api.project(pf["id"], "A"), await api.project(pf["id"], "B")
    g = await programme(app, pf["id"])
    of_p = await _benefit(client, pf["id"], project_id=p["id"])
    of_g = await _benefit(client, pf["id"], programme_id=g)
    of_both = await _benefit(client, pf["id"], programme_id=g, project_id=q["id"])
    of_pf = await _benefit(client, pf["id"])
    await _benefit(client, other["id"])

    async def ids(**params: Any) -> list[str]:
        r = await client.get(URL, params={"portfolio_id": pf["id"], **params}, headers=VIEWER)
        assert r.status_code == 200, r.text
        return [b["id"] for b in r.json()["items"]]

    assert await ids() == [of_p["id"], of_g["id"], of_both["id"], of_pf["id"]]
    assert await ids(project_id=p["id"]) == [of_p["id"]]
    assert await ids(programme_id=g) == [of_g["id"], of_both["id"]]
    assert await ids(programme_id=g, project_id=q["id"]) == [of_both["id"]]
    first = (await client.get(URL, params={"portfolio_id": pf["id"], "limit": 3}, headers=ADMIN)).json()
    rest = (
        await client.get(
            URL, params={"portfolio_id": pf["id"], "cursor": first["next_cursor"]}, headers=ADMIN
        )
    ).json()
    assert [b["id"] for b in first["items"] + rest["items"]] == await ids() and rest["next_cursor"] is None
    for params, field in [
        ({"project_id": "nope"}, "query.project_id"),
        ({"programme": g}, "query.programme"),
        ({"cursor": "garbage"}, "query.cursor"),
        ({"limit": 0}, "query.limit"),
    ]:
        r = await client.get(URL, params=params, headers=ADMIN)
        assert (r.status_code, _fields(r)) == (422, [field]), params


async def test_project_managers_write_only_the_benefits_of_their_projects(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    mine = await api.project(pf["id"], "M", manager="mary")
    johns = await api.project(pf["id"], "J", manager="john")
    made = await _benefit(client, pf["id"], PM_MARY, project_id=mine["id"])
    for body in ({"project_id": johns["id"]}, {}):
        r = await client.post(URL, json=_body(pf["id"], **body), headers=PM_MARY)
        assert r.status_code == 403, body
    theirs = await _benefit(client, pf["id"], PM_JOHN, project_id=johns["id"])
    url = f"{URL}/{theirs['id']}"
    assert (
        await client.patch(url, json={"owner": "m"}, headers={**PM_MARY, "If-Match": '"1"'})
    ).status_code == 403
    assert (await client.delete(url, headers={**PM_MARY, "If-Match": '"1"'})).status_code == 403
    own = f"{URL}/{made['id']}"
    for move in ({"project_id": johns["id"]}, {"project_id": None}):
        moved = await client.patch(own, json=move, headers={**PM_MARY, "If-Match": '"1"'})
        assert moved.status_code == 403, move  # not onto someone else's project, nor off every project
    portfolio_level = await _benefit(client, pf["id"], PMO)
    r = await client.patch(
        f"{URL}/{portfolio_level['id']}", json={"owner": "m"}, headers={**PM_MARY, "If-Match": '"1"'}
    )
    assert r.status_code == 403
    ok = await client.patch(own, json={"owner": "mary"}, headers={**PM_MARY, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert (
        await client.patch(url, json={"owner": "p"}, headers={**PMO, "If-Match": '"1"'})
    ).status_code == 200
    for role in ("viewer", "resource_manager"):
        reader = auth(f"{role}-user", role)
        assert (await client.post(URL, json=_body(pf["id"]), headers=reader)).status_code == 403
        assert (await client.get(own, headers=reader)).status_code == 200
        assert (await client.get(URL, headers=reader)).status_code == 200

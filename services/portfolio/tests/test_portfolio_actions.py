"""The action register over HTTP (contract §7.6): create, read, change with If-Match, delete;
validation, filters, who may write, `overdue` and `closed_at`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from pmo_common.testing.harness import auth
from pmo_portfolio.actions import rules

URL = "/portfolio/v1/actions"
ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")
PM_JOHN = auth("john", "project_manager")


def _days(n: int) -> str:
    return str(rules.today() + timedelta(days=n))


async def _action(
    client: httpx.AsyncClient, headers: dict[str, str] = ADMIN, **fields: Any
) -> dict[str, Any]:
    r = await client.post(URL, json={"title": "Sign the hosting contract", **fields}, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _fields(r: httpx.Response) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


async def test_an_action_is_created_read_changed_and_deleted(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    body = {
        "project_id": p["id"],
        "title": "Sign the hosting contract",
        "description": "Legal approved the draft.",
        "owner": "olga",
        "due_date": _days(30),
        "source": {"type": "meeting", "id": "steering-03"},
    }
    r = await client.post(URL, json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["Location"].endswith(f"{URL}/{created['id']}") and r.headers["ETag"] == '"1"'
    assert created | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "portfolio_id": pf["id"],  # the project's portfolio, not given
        "project_id": p["id"],
        "title": "Sign the hosting contract",
        "description": "Legal approved the draft.",
        "owner": "olga",
        "due_date": _days(30),
        "status": "open",
        "source": {"type": "meeting", "id": "steering-03"},
        "overdue": False,
        "closed_at": None,
        "version": 1,
        "created_at": None,
        "updated_at": None,
    }
    got = await client.get(f"{URL}/{created['id']}", headers=VIEWER)
    assert (got.status_code, got.headers["ETag"], got.json()) == (200, '"1"', created)
    r = await client.patch(
        f"{URL}/{created['id']}", json={"owner": "otto", "source": None}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["owner"], r.json()["source"], r.json()["version"], r.headers["ETag"]) == (
        "otto",
        None,
        2,
        '"2"',
    )
    r = await client.delete(f"{URL}/{created['id']}", headers={**ADMIN, "If-Match": '"2"'})
    assert r.status_code == 204
    assert (await client.get(f"{URL}/{created['id']}", headers=ADMIN)).status_code == 404
    assert (await client.get(URL, params={"portfolio_id": pf["id"]}, headers=ADMIN)).json()["items"] == []


async def test_a_portfolio_level_action_needs_a_known_portfolio(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    made = await _action(client, portfolio_id=pf["id"])
    assert (made["portfolio_id"], made["project_id"]) == (pf["id"], None)
    missing = await client.post(URL, json={"title": "x"}, headers=ADMIN)
    assert (missing.status_code, _fields(missing)) == (422, ["portfolio_id"])
    unknown = await client.post(
        URL, json={"title": "x", "portfolio_id": "00000000-0000-4000-8000-000000000000"}, headers=ADMIN
    )
    assert (unknown.status_code, _fields(unknown)) == (422, ["portfolio_id"])


async def test_a_projects_action_must_belong_to_its_portfolio(api: Any, client: httpx.AsyncClient) -> None:
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    p = await api.project(pf["id"], "A")
    q = await api.project(other["id"], "B")
    r = await client.post(
        URL, json={"title": "x", "portfolio_id": other["id"], "project_id": p["id"]}, headers=ADMIN
    )
    assert (r.status_code, _fields(r)) == (422, ["project_id"])
    assert other["id"] in r.json()["errors"][0]["message"] or pf["id"] in r.json()["errors"][0]["message"]
    unknown = await client.post(
        URL, json={"title": "x", "project_id": "00000000-0000-4000-8000-000000000000"}, headers=ADMIN
    )
    assert (unknown.status_code, _fields(unknown)) == (422, ["project_id"])
    made = await _action(client, project_id=p["id"])
    moved = await client.patch(
        f"{URL}/{made['id']}", json={"project_id": q["id"]}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert (moved.status_code, _fields(moved)) == (422, ["project_id"])


async def test_invalid_fields_are_422s_naming_them(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    base = {"portfolio_id": pf["id"], "title": "x"}
    cases = [
        ({"portfolio_id": pf["id"]}, "body.title"),
        ({**base, "title": ""}, "body.title"),
        ({**base, "title": "x" * 201}, "body.title"),
        ({**base, "status": "finished"}, "body.status"),
        ({**base, "due_date": "2027-02-30"}, "body.due_date"),
        ({**base, "owner": ""}, "body.owner"),
        ({**base, "source": {"type": "email", "id": "1"}}, "body.source.type"),
        ({**base, "source": {"type": "meeting"}}, "body.source.id"),
        ({**base, "colour": "red"}, "body.colour"),
    ]
    for body, field in cases:
        r = await client.post(URL, json=body, headers=ADMIN)
        assert (r.status_code, field in _fields(r)) == (422, True), (body, r.json())
    made = await _action(client, portfolio_id=pf["id"])
    for patch, field in [
        ({"title": None}, "body.title"),
        ({"status": None}, "body.status"),
        ({"portfolio_id": pf["id"]}, "body.portfolio_id"),
    ]:
        r = await client.patch(f"{URL}/{made['id']}", json=patch, headers={**ADMIN, "If-Match": '"1"'})
        assert (r.status_code, field in _fields(r)) == (422, True), (patch, r.json())


async def test_patch_and_delete_require_a_current_if_match(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    made = await _action(client, portfolio_id=pf["id"])
    url = f"{URL}/{made['id']}"
    assert (await client.patch(url, json={"owner": "a"}, headers=ADMIN)).status_code == 428
    assert (
        await client.patch(url, json={"owner": "a"}, headers={**ADMIN, "If-Match": '"7"'})
    ).status_code == 412
    assert (
        await client.patch(url, json={"owner": "a"}, headers={**ADMIN, "If-Match": 'W/"1"'})
    ).status_code == 412
    assert (await client.delete(url, headers=ADMIN)).status_code == 428
    assert (await client.delete(url, headers={**ADMIN, "If-Match": '"2"'})).status_code == 412
    assert (await client.get(url, headers=ADMIN)).json()["version"] == 1
    assert (await client.get(f"{URL}/00000000-0000-4000-8000-000000000000", headers=ADMIN)).status_code == 404


async def test_closed_at_is_set_when_done_or_cancelled_and_cleared_when_reopened(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    made = await _action(client, portfolio_id=pf["id"], due_date=_days(-3))
    assert (made["overdue"], made["closed_at"]) == (True, None)
    url = f"{URL}/{made['id']}"
    done = (await client.patch(url, json={"status": "done"}, headers={**ADMIN, "If-Match": '"1"'})).json()
    assert done["closed_at"] is not None and done["overdue"] is False
    cancelled = (
        await client.patch(url, json={"status": "cancelled"}, headers={**ADMIN, "If-Match": '"2"'})
    ).json()
    assert cancelled["closed_at"] == done["closed_at"]  # it closed when it was done
    reopened = (
        await client.patch(url, json={"status": "in_progress"}, headers={**ADMIN, "If-Match": '"3"'})
    ).json()
    assert (reopened["closed_at"], reopened["overdue"]) == (None, True)
    born_done = await _action(client, portfolio_id=pf["id"], status="done")
    assert born_done["closed_at"] is not None


async def test_filters_narrow_the_register_and_refuse_unknown_values(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf, other = await api.portfolio(), await api.portfolio(name="Other")
    p = await api.project(pf["id"], "A")
    late = await _action(client, project_id=p["id"], owner="olga", due_date=_days(-1))
    later = await _action(client, project_id=p["id"], owner="otto", due_date=_days(10), status="in_progress")
    closed_late = await _action(
        client, portfolio_id=pf["id"], owner="olga", due_date=_days(-5), status="done"
    )
    undated = await _action(client, portfolio_id=pf["id"])
    await _action(client, portfolio_id=other["id"], owner="olga", due_date=_days(-1))

    async def ids(**params: Any) -> list[str]:
        r = await client.get(URL, params={"portfolio_id": pf["id"], **params}, headers=VIEWER)
        assert r.status_code == 200, r.text
        return [a["id"] for a in r.json()["items"]]

    assert await ids() == [late["id"], later["id"], closed_late["id"], undated["id"]]
    assert await ids(overdue="true") == [late["id"]]
    assert await ids(overdue="false") == [later["id"], closed_late["id"], undated["id"]]
    assert await ids(owner="olga") == [late["id"], closed_late["id"]]
    assert await ids(status="in_progress") == [later["id"]]
    assert await ids(project_id=p["id"]) == [late["id"], later["id"]]
    assert await ids(due_before=_days(0)) == [late["id"], closed_late["id"]]
    assert await ids(due_before=_days(0), status="open") == [late["id"]]
    first = (await client.get(URL, params={"portfolio_id": pf["id"], "limit": 3}, headers=ADMIN)).json()
    rest = (
        await client.get(
            URL, params={"portfolio_id": pf["id"], "cursor": first["next_cursor"]}, headers=ADMIN
        )
    ).json()
    assert [a["id"] for a in first["items"] + rest["items"]] == await ids() and rest["next_cursor"] is None
    for params, field in [
        ({"status": "finished"}, "query.status"),
        ({"overdue": "maybe"}, "query.overdue"),
        ({"due_before": "soon"}, "query.due_before"),
        ({"ownr": "olga"}, "query.ownr"),
    ]:
        r = await client.get(URL, params=params, headers=ADMIN)
        assert (r.status_code, _fields(r)) == (422, [field]), params
    repeated = await client.get(f"{URL}?status=open&status=done", headers=ADMIN)
    assert (repeated.status_code, _fields(repeated)) == (422, ["query.status"])


async def test_project_managers_write_only_the_actions_of_their_projects(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    mine = await api.project(pf["id"], "M", manager="mary")
    johns = await api.project(pf["id"], "J", manager="john")
    made = await _action(client, PM_MARY, project_id=mine["id"])
    assert made["project_id"] == mine["id"]
    for body in ({"project_id": johns["id"]}, {"portfolio_id": pf["id"]}):
        r = await client.post(URL, json={"title": "x", **body}, headers=PM_MARY)
        assert r.status_code == 403, body
    theirs = await _action(client, PM_JOHN, project_id=johns["id"])
    url = f"{URL}/{theirs['id']}"
    assert (
        await client.patch(url, json={"owner": "m"}, headers={**PM_MARY, "If-Match": '"1"'})
    ).status_code == 403
    assert (await client.delete(url, headers={**PM_MARY, "If-Match": '"1"'})).status_code == 403
    own = f"{URL}/{made['id']}"
    moved = await client.patch(own, json={"project_id": johns["id"]}, headers={**PM_MARY, "If-Match": '"1"'})
    assert moved.status_code == 403  # not onto someone else's project
    portfolio_level = await _action(client, PMO, portfolio_id=pf["id"])
    r = await client.patch(
        f"{URL}/{portfolio_level['id']}", json={"owner": "m"}, headers={**PM_MARY, "If-Match": '"1"'}
    )
    assert r.status_code == 403
    assert (
        await client.patch(own, json={"status": "done"}, headers={**PM_MARY, "If-Match": '"1"'})
    ).status_code == 200
    assert (
        await client.patch(url, json={"owner": "p"}, headers={**PMO, "If-Match": '"1"'})
    ).status_code == 200
    for role in ("viewer", "resource_manager"):
        reader = auth(f"{role}-user", role)
        assert (
            await client.post(URL, json={"title": "x", "portfolio_id": pf["id"]}, headers=reader)
        ).status_code == 403
        assert (await client.get(f"{URL}/{made['id']}", headers=reader)).status_code == 200
        assert (await client.get(URL, headers=reader)).status_code == 200


async def test_every_change_is_in_the_audit_trail(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    made = await _action(client, portfolio_id=pf["id"])
    await client.patch(f"{URL}/{made['id']}", json={"status": "done"}, headers={**PMO, "If-Match": '"1"'})
    await client.delete(f"{URL}/{made['id']}", headers={**ADMIN, "If-Match": '"2"'})
    r = await client.get(
        "/portfolio/v1/audit", params={"entity_type": "action", "entity_id": made["id"]}, headers=ADMIN
    )
    assert [(e["action"], e["actor"], e["version"]) for e in r.json()["items"]] == [
        ("created", "alice", 1),
        ("updated", "pat", 2),
        ("deleted", "alice", 3),
    ]

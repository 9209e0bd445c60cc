"""A benefit's measurements (contract §7.7): one per date (a second supersedes it), `latest` and
`realised_percent` as served, the events each change publishes, the audit trail, and the gate fact
`benefits.count`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import validate_data
from pmo_common.db import utcnow
from pmo_common.events.outbox import OUTBOX
from pmo_common.testing.harness import auth
from pmo_portfolio.benefits import service
from sqlalchemy import select

URL = "/portfolio/v1/benefits"
ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")


def _days(n: int) -> str:
    return str(utcnow().date() + timedelta(days=n))


async def _benefit(client: httpx.AsyncClient, portfolio_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "portfolio_id": portfolio_id,
        "name": "Cost per support ticket",
        "kind": "financial",
        "unit": "EUR",
        "baseline_value": 12,
        "target_value": 8,
        **fields,
    }
    r = await client.post(URL, json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _measure(
    client: httpx.AsyncClient,
    benefit_id: str,
    as_of: str,
    value: float,
    headers: dict[str, str] = ADMIN,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"{URL}/{benefit_id}/measurements", json={"as_of": as_of, "value": value, **extra}, headers=headers
    )


async def _outbox(app: FastAPI) -> list[dict[str, Any]]:
    """Every benefit event the service emitted, oldest first, each checked against the contract
    envelope and the catalogue."""
    async with app.state.db.sessionmaker() as session:
        rows = (
            await session.execute(select(OUTBOX.c.subject, OUTBOX.c.payload).order_by(OUTBOX.c.seq))
        ).all()
    envelopes = [
        json.loads(payload) for subject, payload in rows if subject.startswith("pmo.portfolio.benefit.")
    ]
    for envelope in envelopes:
        CloudEvent.model_validate(envelope)
        assert (envelope["subject"], envelope["sequence"]) == (
            envelope["data"]["id"],
            envelope["data"]["version"],
        )
        validate_data(envelope["type"].removesuffix(".v1"), envelope["data"])
    return envelopes


async def test_latest_and_realised_percent_follow_the_measurements(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    made = await _benefit(client, pf["id"])
    url = f"{URL}/{made['id']}"
    r = await _measure(client, made["id"], _days(-30), 11, note="first month")
    assert (r.status_code, r.headers["ETag"]) == (201, '"2"'), r.text
    assert r.json() | {"created_at": None, "updated_at": None} == {
        "benefit_id": made["id"],
        "as_of": _days(-30),
        "value": 11.0,
        "note": "first month",
        "recorded_by": "alice",
        "created_at": None,
        "updated_at": None,
    }
    got = (await client.get(url, headers=VIEWER)).json()
    assert (got["latest"], got["realised_percent"]) == (
        {"as_of": _days(-30), "value": 11.0, "note": "first month"},
        25.0,
    )
    # The cost falls from 12 towards 8: at 10 half the planned change is realised.
    assert (await _measure(client, made["id"], _days(0), 10)).status_code == 201
    # A later-dated value (a forecast, or another time zone's today) counts from its own day on;
    # one dated earlier than the latest is history and leaves `latest` alone.
    assert (await _measure(client, made["id"], _days(1), 9)).status_code == 201
    assert (await _measure(client, made["id"], _days(-60), 12)).status_code == 201
    got = await client.get(url, headers=VIEWER)
    assert (got.json()["latest"]["value"], got.json()["realised_percent"], got.headers["ETag"]) == (
        10.0,
        50.0,
        '"5"',
    )
    listed = (await client.get(f"{url}/measurements", headers=VIEWER)).json()
    assert [(m["as_of"], m["value"]) for m in listed["items"]] == [
        (_days(-60), 12.0),
        (_days(-30), 11.0),
        (_days(0), 10.0),
        (_days(1), 9.0),
    ]
    first = (await client.get(f"{url}/measurements", params={"limit": 3}, headers=VIEWER)).json()
    rest = (
        await client.get(f"{url}/measurements", params={"cursor": first["next_cursor"]}, headers=VIEWER)
    ).json()
    assert first["items"] + rest["items"] == listed["items"] and rest["next_cursor"] is None
    # A target equal to the baseline has no planned change to measure against.
    flat = await client.patch(url, json={"target_value": 12}, headers={**ADMIN, "If-Match": '"5"'})
    assert (flat.status_code, flat.json()["realised_percent"], flat.json()["latest"]["value"]) == (
        200,
        None,
        10.0,
    )


async def test_a_second_measurement_for_a_date_supersedes_the_first(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    made = await _benefit(client, pf["id"], baseline_value=100, target_value=200)
    first = await _measure(client, made["id"], _days(-1), 150, note="estimate")
    fixed = await _measure(client, made["id"], _days(-1), 175, PMO, note="audited")
    assert (first.status_code, fixed.status_code, fixed.headers["ETag"]) == (201, 201, '"3"')
    assert (fixed.json()["value"], fixed.json()["note"], fixed.json()["recorded_by"]) == (
        175.0,
        "audited",
        "pat",
    )
    assert fixed.json()["created_at"] == first.json()["created_at"]
    same = await _measure(client, made["id"], _days(-1), 175, note="audited")
    assert (same.status_code, same.headers["ETag"]) == (201, '"3"')  # nothing new: no new version
    got = (await client.get(f"{URL}/{made['id']}", headers=ADMIN)).json()
    assert (got["latest"]["value"], got["realised_percent"], got["version"]) == (175.0, 75.0, 3)
    listed = (await client.get(f"{URL}/{made['id']}/measurements", headers=ADMIN)).json()["items"]
    assert [(m["as_of"], m["value"]) for m in listed] == [(_days(-1), 175.0)]
    # The superseded value stays in the audit trail.
    audit = await client.get(
        "/portfolio/v1/audit", params={"entity_type": "benefit_measurement"}, headers=ADMIN
    )
    entries = [(e["action"], e["actor"], e["changes"].get("value")) for e in audit.json()["items"]]
    assert entries == [("created", "alice", 150.0), ("superseded", "pat", {"from": 150.0, "to": 175.0})]
    measured = [e for e in await _outbox(app) if e["type"] == "pmo.portfolio.benefit.measured.v1"]
    assert [(e["data"]["version"], e["data"]["measurement"]["value"]) for e in measured] == [
        (2, 150.0),
        (3, 175.0),
    ]


async def test_measurements_are_validated_and_need_the_writers_roles(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    mine = await api.project(pf["id"], "M", manager="mary")
    of_mine = await _benefit(client, pf["id"], project_id=mine["id"])
    of_pf = await _benefit(client, pf["id"])
    for body, field in [
        ({"value": 1}, "body.as_of"),
        ({"as_of": "2027-13-01", "value": 1}, "body.as_of"),
        ({"as_of": _days(0)}, "body.value"),
        ({"as_of": _days(0), "value": 2e12}, "body.value"),
        ({"as_of": _days(0), "value": "NaN"}, "body.value"),
        ({"as_of": _days(0), "value": 1, "note": "n" * 2001}, "body.note"),
        ({"as_of": _days(0), "value": 1, "note": "a\u0000"}, "body.note"),
        ({"as_of": _days(0), "value": 1, "by": "me"}, "body.by"),
    ]:
        r = await client.post(f"{URL}/{of_mine['id']}/measurements", json=body, headers=ADMIN)
        assert (r.status_code, field in [e["field"] for e in r.json()["errors"]]) == (422, True), (
            body,
            r.json(),
        )
    assert (await _measure(client, of_mine["id"], _days(0), 10, PM_MARY)).status_code == 201
    assert (await _measure(client, of_pf["id"], _days(0), 10, PM_MARY)).status_code == 403
    assert (await _measure(client, of_pf["id"], _days(0), 10, VIEWER)).status_code == 403
    missing = await _measure(client, "00000000-0000-4000-8000-000000000000", _days(0), 10)
    assert missing.status_code == 404
    stale = await client.post(
        f"{URL}/{of_pf['id']}/measurements",
        json={"as_of": _days(0), "value": 1},
        headers={**ADMIN, "If-Match": '"9"'},
    )
    assert stale.status_code == 412
    assert (await client.get(f"{URL}/{of_mine['id']}/measurements", headers=VIEWER)).status_code == 200


async def test_a_benefit_holds_a_bounded_number_of_measurements(
    api: Any, client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    monkeypatch.setattr(service, "MAX_MEASUREMENTS", 2)
    pf = await api.portfolio()
    made = await _benefit(client, pf["id"])
    for n in (-2, -1):
        assert (await _measure(client, made["id"], _days(n), 10)).status_code == 201
    assert (await _measure(client, made["id"], _days(0), 10)).status_code == 409
    assert (await _measure(client, made["id"], _days(-1), 9)).status_code == 201  # superseding adds none


async def test_every_change_publishes_its_event_with_the_benefit_as_served(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    made = await _benefit(client, pf["id"], project_id=p["id"])
    url = f"{URL}/{made['id']}"
    await client.patch(url, json={"owner": "olga"}, headers={**ADMIN, "If-Match": '"1"'})
    await _measure(client, made["id"], _days(0), 10, note="Q2")
    assert (await client.delete(url, headers={**ADMIN, "If-Match": '"3"'})).status_code == 204
    events = [(e["type"], e["data"]) for e in await _outbox(app) if e["subject"] == made["id"]]
    assert [(t.removesuffix(".v1"), d["version"]) for t, d in events] == [
        ("pmo.portfolio.benefit.created", 1),
        ("pmo.portfolio.benefit.updated", 2),
        ("pmo.portfolio.benefit.measured", 3),
        ("pmo.portfolio.benefit.deleted", 4),
    ]
    created, updated, measured, deleted = (d for _, d in events)
    assert (created["portfolio_id"], created["project_id"], created["kind"], created["latest"]) == (
        pf["id"],
        p["id"],
        "financial",
        None,
    )
    assert (updated["owner"], updated["changed"]) == ("olga", ["owner"])
    q2 = {"as_of": _days(0), "value": 10.0, "note": "Q2"}
    assert (
        measured["measurement"],
        measured["latest"],
        measured["realised_percent"],
        measured["changed"],
    ) == (
        q2,
        q2,
        50.0,
        ["measurements"],
    )
    assert (deleted["deleted"], deleted["latest"]) == (True, q2)
    # Deleted with the benefit: its measurements.
    assert (await client.get(f"{url}/measurements", headers=ADMIN)).status_code == 404
    audit = await client.get(
        "/portfolio/v1/audit", params={"entity_type": "benefit", "entity_id": made["id"]}, headers=ADMIN
    )
    assert [(e["action"], e["version"]) for e in audit.json()["items"]] == [
        ("created", 1),
        ("updated", 2),
        ("measured", 3),
        ("deleted", 4),
    ]


async def test_the_gate_fact_counts_the_projects_benefits(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    p, other = await api.project(pf["id"], "A"), await api.project(pf["id"], "B")
    criteria = [{"to_stage": "approved", "key": "benefits_named", "rule": "benefits.count >= 1"}]
    put = await client.put(f"/portfolio/v1/portfolios/{pf['id']}/gate-criteria", json=criteria, headers=ADMIN)
    assert put.status_code == 200, put.text

    async def check() -> tuple[bool, Any]:
        r = await client.get(f"/portfolio/v1/projects/{p['id']}/gate-check?to_stage=approved", headers=VIEWER)
        assert r.status_code == 200, r.text
        return r.json()["passed"], r.json()["criteria"][0]["facts"]["benefits.count"]

    assert await check() == (False, 0)
    await _benefit(client, pf["id"])  # the portfolio's, not the project's
    await _benefit(client, pf["id"], project_id=other["id"])
    assert await check() == (False, 0)
    refused = await api.decide(p["id"], "approved", "approve")
    assert refused.status_code == 409 and "benefits_named" in refused.text
    made = await _benefit(client, pf["id"], project_id=p["id"])
    assert await check() == (True, 1)
    assert (await api.decide(p["id"], "approved", "approve")).status_code == 201
    await client.delete(f"{URL}/{made['id']}", headers={**ADMIN, "If-Match": '"1"'})
    assert await check() == (False, 0)

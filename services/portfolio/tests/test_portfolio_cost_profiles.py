"""Projects' cost profiles (contract §7.3): stored, served in month order and carried in events; a
profile that does not fit the budget or the dates is a 422 naming the field."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from pmo_common.events.outbox import OUTBOX
from pmo_common.testing.harness import auth
from sqlalchemy import select

ADMIN = auth("alice", "admin")
DATES = {"start_date": "2027-01-10", "finish_date": "2027-03-20"}
PROFILE = [
    {"period": "2027-03", "amount": "50.00"},
    {"period": "2027-01", "amount": "20.00"},
    {"period": "2027-02", "amount": "30.00"},
]
IN_ORDER = sorted(PROFILE, key=lambda row: row["period"])


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


async def _create(client: httpx.AsyncClient, portfolio_id: str, **fields: Any) -> httpx.Response:
    body = {"portfolio_id": portfolio_id, "code": "CP", "name": "Profiled", "budget": "100.00", **fields}
    return await client.post("/portfolio/v1/projects", json=body, headers=ADMIN)


async def _events(app: FastAPI, project_id: str) -> list[dict[str, Any]]:
    async with app.state.db.sessionmaker() as session:
        payloads = (await session.scalars(select(OUTBOX.c.payload).order_by(OUTBOX.c.seq))).all()
    return [e for e in map(json.loads, payloads) if e["subject"] == project_id]


async def test_a_profile_is_stored_served_in_month_order_and_published(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    created = await _create(client, pf["id"], cost_profile=PROFILE, **DATES)
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["cost_profile"] == IN_ORDER and project["baseline"] is None
    fetched = (await client.get(f"/portfolio/v1/projects/{project['id']}", headers=ADMIN)).json()
    assert fetched["cost_profile"] == IN_ORDER
    (event,) = await _events(app, project["id"])
    assert event["type"] == "pmo.portfolio.project.created.v1"
    assert event["data"]["cost_profile"] == IN_ORDER and event["data"]["baseline"] is None
    plain = await api.project(pf["id"], "PLAIN")
    assert plain["cost_profile"] == []  # no profile: cost is linear by day


async def test_a_profile_that_does_not_fit_is_422_naming_the_field(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    short = [{"period": "2027-01", "amount": "20.00"}, {"period": "2027-02", "amount": "30.00"}]
    assert _fields(await _create(client, pf["id"], cost_profile=short, **DATES)) == ["cost_profile"]
    twice = [*PROFILE[:2], {"period": "2027-03", "amount": "30.00"}]
    assert _fields(await _create(client, pf["id"], cost_profile=twice, **DATES)) == ["cost_profile[2].period"]
    outside = [*PROFILE[:2], {"period": "2027-04", "amount": "30.00"}]
    assert _fields(await _create(client, pf["id"], cost_profile=outside, **DATES)) == [
        "cost_profile[2].period"
    ]
    assert _fields(await _create(client, pf["id"], cost_profile=PROFILE)) == ["cost_profile"]  # no dates
    negative = [{"period": "2027-01", "amount": "-1.00"}, {"period": "2027-02", "amount": "101.00"}]
    assert _fields(await _create(client, pf["id"], cost_profile=negative, **DATES)) == [
        "body.cost_profile.0.amount"
    ]
    bad_month = [{"period": "2027-13", "amount": "100.00"}]
    assert _fields(await _create(client, pf["id"], cost_profile=bad_month, **DATES)) == [
        "body.cost_profile.0.period"
    ]
    long_dates = {"start_date": "2020-01-01", "finish_date": "2030-12-31"}
    months = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(121)]
    too_many = [{"period": m, "amount": "0.00"} for m in months]
    too_many[0]["amount"] = "100.00"
    assert _fields(await _create(client, pf["id"], cost_profile=too_many, **long_dates)) == [
        "body.cost_profile"
    ]
    assert (await _create(client, pf["id"], cost_profile=too_many[:120], **long_dates)).status_code == 201
    listed = (await client.get(f"/portfolio/v1/projects?portfolio_id={pf['id']}", headers=ADMIN)).json()
    assert len(listed["items"]) == 1  # nothing of the refused ones was stored


async def test_a_patch_must_keep_budget_dates_and_profile_consistent(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    project = (await _create(client, pf["id"], cost_profile=PROFILE, **DATES)).json()
    url = f"/portfolio/v1/projects/{project['id']}"
    budget_only = await client.patch(url, json={"budget": "120.00"}, headers={**ADMIN, "If-Match": '"1"'})
    assert _fields(budget_only) == ["cost_profile"]
    earlier_finish = await client.patch(
        url, json={"finish_date": "2027-02-28"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert _fields(earlier_finish) == ["cost_profile[2].period"]
    grown = [*IN_ORDER[:2], {"period": "2027-03", "amount": "70.00"}]
    ok = await client.patch(
        url, json={"budget": "120.00", "cost_profile": grown}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["cost_profile"] == grown and ok.json()["version"] == 2
    cleared = await client.patch(url, json={"cost_profile": []}, headers={**ADMIN, "If-Match": '"2"'})
    assert cleared.status_code == 200 and cleared.json()["cost_profile"] == []
    moved = await client.patch(url, json={"finish_date": "2027-02-28"}, headers={**ADMIN, "If-Match": '"3"'})
    assert moved.status_code == 200, moved.text  # nothing left to fit

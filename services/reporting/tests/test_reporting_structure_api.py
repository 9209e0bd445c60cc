"""Programmes, custom fields, tags and benefits over the real NATS and HTTP (contract §7.8): the
breakdown adds up to the dashboard, a past date reads the values in force then after later changes,
narrowing covers only some projects (and their roles), the programme dashboard, benefit figures as of
a date, and a rebuild restores it all."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pmo_common.contracts.events import (
    BenefitCreated,
    BenefitMeasured,
    ProgrammeCreated,
    ProgrammeDeleted,
    ProjectUpdated,
)
from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
VIEWER = auth("vera", "viewer")
FIELDS = [
    {"key": "tier", "label": "Tier", "type": "choice", "choices": ["gold", "silver"], "required": False},
    {"key": "capex", "label": "Capex", "type": "number", "choices": [], "required": False},
]
PAST = "2025-06-30"


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


async def _get(client: Any, path: str, **params: Any) -> Any:
    response = await client.get(PREFIX + path, headers=VIEWER, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _programme(feed: Any, portfolio_id: str, code: str) -> dict[str, Any]:
    data = {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": portfolio_id, "code": code, "name": code}
    return await feed.publish(ProgrammeCreated, data)


@pytest.fixture
async def structure(client, feed, make_report):
    """A portfolio with two programmes and custom fields; three executing projects (in effect since
    January 2025) with reports, and a proposal; the values of each are those of its stage change."""
    portfolio = await feed.portfolio(fields=FIELDS)
    pid = portfolio["id"]
    north, south = await _programme(feed, pid, "NORTH"), await _programme(feed, pid, "SOUTH")
    specs = [
        ("ERP", north, {"tier": "gold", "capex": 5}, ["cloud", "eu"], "ada", "100000.00"),
        ("CRM", north, {"tier": "silver", "capex": 5.0}, ["cloud"], "bob", "200000.00"),
        ("HR", south, {"capex": 12.5}, ["eu"], "ada", "50000.00"),
    ]
    projects = {}
    for code, programme, fields, tags, manager, budget in specs:
        extra = {"programme_id": programme["id"], "fields": fields, "tags": tags}
        project = await feed.project(pid, code=code, manager=manager, budget=budget, **extra)
        projects[code] = await feed.stage(project, "in_progress", utc(2025, 1, 10), version=2)
    projects["IDEA"] = await feed.project(pid, code="IDEA", budget="70000.00", tags=["cloud"])
    for code, ev, ac, forecast in (
        ("ERP", "40000.00", "45000.00", None),
        ("CRM", "60000.00", "55000.00", "2026-03-31"),
    ):
        body = make_report(date(2025, 6, 30), planned_value="50000.00", earned_value=ev, actual_cost=ac)
        if forecast:
            body["forecast_finish_date"] = forecast  # CRM's baseline finish is 2025-12-31: 90 days late
        response = await client.post(
            f"{PREFIX}/projects/{projects[code]['id']}/status-reports", json=body, headers=ADMIN
        )
        assert response.status_code == 201, response.text

    async def settled() -> Any:
        board = await _get(client, f"/portfolios/{pid}/dashboard")
        return (
            board
            if board["projects"]["by_stage"].get("in_progress") == 3 and board["evm"]["ac"] == "100000.00"
            else None
        )

    board = await eventually(settled, timeout=30)
    return {"portfolio": portfolio, "north": north, "south": south, "projects": projects, "board": board}


async def test_the_breakdown_by_each_dimension_adds_up_to_the_dashboard(client, structure) -> None:
    pid, board = structure["portfolio"]["id"], structure["board"]
    assert board["evm"]["slipped_projects"] == 1 and board["evm"]["avg_slip_days"] == 90.0
    assert (board["evm"]["eac"], board["evm"]["budget_growth"]) == ("295833.33", "-4166.67")
    for by in ("stage", "programme", "manager", "field.tier", "field.capex"):
        result = await _get(client, f"/portfolios/{pid}/breakdown", by=by)
        assert result["by"] == by and result["currency"] == "EUR"
        rows = result["items"]
        assert sum(r["projects"] for r in rows) == board["projects"]["total"] == 4, by
        for name in ("bac", "pv", "ev", "ac", "eac", "vac"):
            assert sum(Decimal(r[name]) for r in rows) == Decimal(board["evm"][name]), (by, name)
    by_tier = (await _get(client, f"/portfolios/{pid}/breakdown", by="field.tier"))["items"]
    assert [(r["key"], r["projects"], r["bac"]) for r in by_tier] == [
        ("gold", 1, "100000.00"),
        ("silver", 1, "200000.00"),
        (None, 2, "50000.00"),  # HR has no tier; the proposal counts but has no committed BAC
    ]
    gold = by_tier[0]
    assert (gold["ev"], gold["ac"], gold["eac"], gold["vac"], gold["spi"], gold["cpi"]) == (
        "40000.00", "45000.00", "112500.00", "-12500.00", 0.8, 0.8889,
    )  # fmt: skip
    by_capex = (await _get(client, f"/portfolios/{pid}/breakdown", by="field.capex"))["items"]
    assert [(r["key"], r["projects"]) for r in by_capex] == [
        ("12.5", 1),
        ("5", 2),
        (None, 1),
    ]  # 5 and 5.0: one key
    by_programme = (await _get(client, f"/portfolios/{pid}/breakdown", by="programme"))["items"]
    assert [(r["key"], r["projects"]) for r in by_programme] == [("NORTH", 2), ("SOUTH", 1), (None, 1)]
    stages = (await _get(client, f"/portfolios/{pid}/breakdown", by="stage"))["items"]
    assert [r["key"] for r in stages] == ["proposal", "in_progress"]


async def test_an_unknown_dimension_field_or_value_is_a_422_naming_the_parameter(client, structure) -> None:
    pid = structure["portfolio"]["id"]
    cases = [
        ("/breakdown", {"by": "owner"}, "query.by"),
        ("/breakdown", {"by": "field.colour"}, "query.by"),
        ("/breakdown", {}, "query.by"),
        ("/dashboard", {"field.colour": "red"}, "query.field.colour"),
        ("/dashboard", {"field.capex": "lots"}, "query.field.capex"),
        ("/dashboard", {"field.tier": "bronze"}, "query.field.tier"),
        ("/dashboard", {"programme_id": str(uuid.uuid4())}, "query.programme_id"),
        ("/dashboard", {"colour": "red"}, "query.colour"),
    ]
    for path, params, field in cases:
        response = await client.get(f"{PREFIX}/portfolios/{pid}{path}", headers=VIEWER, params=params)
        assert response.status_code == 422, (path, params, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (path, params, response.json())
    twice = await client.get(
        f"{PREFIX}/portfolios/{pid}/dashboard?field.tier=gold&field.tier=silver", headers=VIEWER
    )
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "query.field.tier"
    assert (
        await client.get(f"{PREFIX}/portfolios/{uuid.uuid4()}/breakdown?by=stage", headers=VIEWER)
    ).status_code == 404


async def test_narrowing_covers_only_the_matching_projects_and_the_roles_they_use(
    client, feed, structure
) -> None:
    pid, north, projects = structure["portfolio"]["id"], structure["north"], structure["projects"]
    month = datetime.now(UTC).strftime("%Y-%m")
    await feed.capacity(
        1, [{"role": "dev", "period": month, "hours": 100}, {"role": "qa", "period": month, "hours": 50}]
    )
    await feed.demand(projects["ERP"]["id"], 1, [{"role": "dev", "period": month, "hours": 80}])
    await feed.demand(projects["HR"]["id"], 1, [{"role": "qa", "period": month, "hours": 10}])

    async def roles(**params: Any) -> Any:
        board = await _get(client, f"/portfolios/{pid}/dashboard", **params)
        return board if board["capacity"]["utilisation_by_role"] else None

    async def both_roles() -> Any:
        board = await roles()
        return board if board and len(board["capacity"]["utilisation_by_role"]) == 2 else None

    whole = await eventually(both_roles)
    assert whole["capacity"]["utilisation_by_role"] == {"dev": 0.8, "qa": 0.2}
    eu = await eventually(lambda: roles(tag=["eu", "cloud"]))  # only ERP has both
    assert eu["projects"]["total"] == 1 and eu["evm"]["bac"] == "100000.00"
    assert eu["capacity"]["utilisation_by_role"] == {"dev": 0.8}
    assert eu["filters"] == {"programme_id": None, "tags": ["eu", "cloud"], "fields": {}}
    in_north = await _get(client, f"/portfolios/{pid}/dashboard", programme_id=north["id"])
    assert in_north["projects"]["total"] == 2 and in_north["evm"]["bac"] == "300000.00"
    five = await _get(client, f"/portfolios/{pid}/dashboard", **{"field.capex": "5.00"})
    assert five["projects"]["total"] == 2 and five["filters"]["fields"] == {"capex": "5"}
    nobody = await _get(client, f"/portfolios/{pid}/dashboard", tag="none-such")
    assert (nobody["projects"]["total"], nobody["capacity"]["utilisation_by_role"]) == (0, {})


async def test_a_past_date_reads_the_programme_fields_and_tags_in_force_then(client, feed, structure) -> None:
    pid, north, south = structure["portfolio"]["id"], structure["north"], structure["south"]
    erp = structure["projects"]["ERP"]
    before = {
        by: await _get(client, f"/portfolios/{pid}/breakdown", by=by, as_of=PAST)
        for by in ("programme", "field.tier", "manager")
    }
    past_north = await _get(client, f"/portfolios/{pid}/dashboard", programme_id=north["id"], as_of=PAST)
    moved = erp | {
        "version": 3,
        "programme_id": south["id"],
        "fields": {"tier": "silver"},
        "tags": [],
        "manager": "cy",
    }
    await feed.publish(
        ProjectUpdated,
        {
            k: v
            for k, v in moved.items()
            if k not in ("from_stage", "to_stage", "decision", "decided_by", "decided_at")
        },
    )

    async def moved_today() -> Any:
        rows = (await _get(client, f"/portfolios/{pid}/breakdown", by="programme"))["items"]
        return rows if ("SOUTH", 2) in [(r["key"], r["projects"]) for r in rows] else None

    await eventually(moved_today)
    for by, result in before.items():  # the values in force on the date, not today's
        assert await _get(client, f"/portfolios/{pid}/breakdown", by=by, as_of=PAST) == result, by
    assert (
        await _get(client, f"/portfolios/{pid}/dashboard", programme_id=north["id"], as_of=PAST) == past_north
    )
    today_north = await _get(client, f"/portfolios/{pid}/dashboard", programme_id=north["id"])
    assert today_north["projects"]["total"] == 1
    tagged_then = await _get(client, f"/portfolios/{pid}/dashboard", tag="eu", as_of=PAST)
    assert tagged_then["projects"]["total"] == 2  # ERP carried `eu` then, not now
    assert (await _get(client, f"/portfolios/{pid}/dashboard", tag="eu"))["projects"]["total"] == 1


async def test_the_programme_dashboard_covers_its_projects_and_benefits(client, feed, structure) -> None:
    pid, north = structure["portfolio"]["id"], structure["north"]
    erp = structure["projects"]["ERP"]
    benefit = {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": pid, "programme_id": north["id"],
               "name": "Lower cost per order", "kind": "financial", "baseline_value": 12.0, "target_value": 8.0}  # fmt: skip
    of_erp = benefit | {"id": str(uuid.uuid4()), "programme_id": None, "project_id": erp["id"],
                        "baseline_value": 0.0, "target_value": 200.0}  # fmt: skip
    elsewhere = benefit | {"id": str(uuid.uuid4()), "programme_id": structure["south"]["id"]}
    for data in (benefit, of_erp, elsewhere):
        await feed.publish(BenefitCreated, data)
    measurements = [
        (benefit, 2, "2025-03-31", 11.0),
        (benefit, 3, "2025-09-30", 10.0),
        (of_erp, 2, "2025-05-31", 50.0),
    ]
    for data, version, as_of, value in measurements:
        measurement = {"as_of": as_of, "value": value, "note": ""}
        await feed.publish(BenefitMeasured, data | {"version": version, "measurement": measurement})

    async def programme_board(**params: Any) -> Any:
        board = await _get(client, f"/programmes/{north['id']}/dashboard", **params)
        return board if board["benefits"]["realised_percent"] == 37.5 else None

    board = await eventually(programme_board)  # (12 − 10) / (12 − 8) = 50 %, 50 / 200 = 25 %: mean 37.5
    assert board["benefits"]["count"] == 2 and board["projects"]["total"] == 2
    assert board["filters"]["programme_id"] == north["id"]
    same = await _get(client, f"/portfolios/{pid}/dashboard", programme_id=north["id"])
    assert same == board
    earlier = await _get(client, f"/programmes/{north['id']}/dashboard", as_of="2025-06-30")
    assert earlier["benefits"] == {"count": 2, "realised_percent": 25.0}  # 25 % and 25 % (11 then)
    before_any = await _get(client, f"/programmes/{north['id']}/dashboard", as_of="2025-01-31")
    assert before_any["benefits"] == {
        "count": 0,
        "realised_percent": None,
    }  # registered today, measured later
    whole = await _get(client, f"/portfolios/{pid}/dashboard")
    assert whole["benefits"]["count"] == 3
    missing = await client.get(f"{PREFIX}/programmes/{uuid.uuid4()}/dashboard", headers=VIEWER)
    assert missing.status_code == 404
    gone = {
        "id": structure["south"]["id"],
        "version": 2,
        "portfolio_id": pid,
        "code": "SOUTH",
        "name": "SOUTH",
        "deleted": True,
    }
    await feed.publish(ProgrammeDeleted, gone)

    async def deleted() -> bool:
        response = await client.get(f"{PREFIX}/programmes/{gone['id']}/dashboard", headers=VIEWER)
        return response.status_code == 404

    await eventually(deleted)
    rows = (await _get(client, f"/portfolios/{pid}/breakdown", by="programme"))["items"]
    assert [(r["key"], r["projects"]) for r in rows] == [("NORTH", 2), (None, 2)]  # HR's programme is gone


async def test_a_rebuild_restores_programmes_facets_and_benefits(client, feed, structure) -> None:
    pid, north = structure["portfolio"]["id"], structure["north"]
    benefit = {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": pid, "programme_id": north["id"],
               "name": "Faster orders", "kind": "non_financial", "baseline_value": 0.0, "target_value": 10.0}  # fmt: skip
    await feed.publish(
        BenefitMeasured, benefit | {"measurement": {"as_of": "2025-05-01", "value": 4.0, "note": ""}}
    )
    paths = [
        (f"/portfolios/{pid}/breakdown", {"by": "field.tier"}),
        (f"/portfolios/{pid}/breakdown", {"by": "programme", "as_of": PAST}),
        (f"/programmes/{north['id']}/dashboard", {}),
        (f"/portfolios/{pid}/dashboard", {"tag": "cloud", "as_of": PAST}),
    ]

    async def measured() -> Any:
        board = await _get(client, f"/programmes/{north['id']}/dashboard")
        return board["benefits"]["count"] == 1 or None

    await eventually(measured)
    before = [await _get(client, path, **params) for path, params in paths]
    assert (await client.post(f"{PREFIX}/admin/rebuild", headers=ADMIN)).status_code == 202

    async def rebuilt() -> bool:
        responses = [await client.get(PREFIX + path, headers=VIEWER, params=params) for path, params in paths]
        return all(r.status_code == 200 for r in responses) and [r.json() for r in responses] == before

    await eventually(rebuilt, timeout=30)

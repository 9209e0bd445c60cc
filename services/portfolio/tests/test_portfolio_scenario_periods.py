"""Scenarios with period budgets, groups and a start period, and scenario compare (contract §7.4),
through the API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from pmo_common.testing.harness import auth
from pmo_portfolio.scenarios.models import Scenario
from sqlalchemy import select

ADMIN = auth("alice", "admin")
VIEWER = auth("vic", "viewer")

FY = [
    {"from": "2027-01", "to": "2027-12", "amount": "2500000.00", "name": "FY2027"},
    {"from": "2028-01", "to": "2028-12", "amount": "2000000.00", "name": "FY2028"},
]


def profile(**months: str) -> list[dict[str, str]]:
    return [{"period": k.replace("_", "-")[1:], "amount": v} for k, v in months.items()]


async def _two_fiscal_years(api) -> tuple[dict[str, Any], dict[str, str]]:  # type: ignore[no-untyped-def]
    """A 1.2M in FY2027 (value 90), B 0.8M linear over 2027 (60), C 0.3M in FY2027 + 0.4M in FY2028 (50),
    E 2.0M in FY2028 (40); D in progress, 0.5M spent in 2026 and 0.5M due in June 2027."""
    pf = await api.portfolio()
    crit = await api.criterion(pf["id"], "Value", min_score=0, max_score=10)
    ids: dict[str, str] = {}
    specs = {
        "A": ("1200000.00", "2027-03-01", "2027-09-30", profile(_2027_03="600000.00", _2027_09="600000.00")),
        "B": ("800000.00", "2027-01-01", "2027-12-31", []),
        "C": ("700000.00", "2027-11-01", "2028-02-28", profile(_2027_11="300000.00", _2028_02="400000.00")),
        "D": ("1000000.00", "2026-06-01", "2027-06-30", profile(_2026_06="500000.00", _2027_06="500000.00")),
        "E": (
            "2000000.00",
            "2028-01-01",
            "2028-12-31",
            profile(_2028_03="1000000.00", _2028_09="1000000.00"),
        ),
    }
    for code, (budget, start, finish, months) in specs.items():
        project = await api.project(
            pf["id"], code, budget=budget, start_date=start, finish_date=finish, cost_profile=months
        )
        ids[code] = project["id"]
    for code, score in {"A": 9, "B": 6, "C": 5, "D": 1, "E": 4}.items():
        await api.scores(ids[code], {crit["id"]: score})
    for stage in ("approved", "in_progress"):
        assert (await api.decide(ids["D"], stage, "approve")).status_code == 201
    return pf, ids


def excluded(result: dict[str, Any]) -> dict[str, list[str]]:
    return {e["project_id"]: e["reasons"] for e in result["excluded"]}


async def test_scenario_with_two_fiscal_years_names_the_binding_year(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _two_fiscal_years(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    body = {"name": "By year", "period_budgets": FY, "start_period": "2027-01"}
    r = await client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    scenario = r.json()
    assert scenario["budget"] is None and scenario["period_budgets"] == FY
    assert scenario["start_period"] == "2027-01" and scenario["groups"] == []
    result = scenario["result"]
    assert sorted(result["selected"]) == sorted(ids[c] for c in "ABDE")
    assert result["total_value"] == pytest.approx(200.0)  # 90 + 60 + 40 + D's 10
    # D counts only its 2027 half: 1.2M + 0.8M + 2.0M + 0.5M.
    assert result["total_cost"] == "4500000.00" and result["budget_slack"] is None
    [c_reasons] = [excluded(result)[ids["C"]]]
    assert c_reasons[0].startswith(
        "below the line of period budget 2027-01..2027-12 (FY2027): it costs 300,000.00 in that period "
        "and only 0.00 is left"
    )
    assert any("(FY2028)" in reason and "E" in reason for reason in c_reasons)
    assert "period budget 2027-01..2027-12 (FY2027)" in result["binding_constraints"]
    assert result["period_budgets"] == [
        {**FY[0], "cost": "2500000.00", "slack": "0.00"},
        {**FY[1], "cost": "2000000.00", "slack": "0.00"},
    ]
    months = {row["period"]: row["cost"] for row in result["cost_by_period"]}
    assert "2026-06" not in months and months["2027-06"] == "565753.42"  # D's 500k + B's 30/365
    assert sum(float(v) for v in months.values()) == pytest.approx(4_500_000.0)
    got = await client.get(f"{url}/{scenario['id']}", headers=VIEWER)
    assert got.status_code == 200 and got.json() == scenario
    # Counted from 2026-06 on, D's spent half comes back into the overall budget and E no longer fits.
    r = await client.post(
        url, json={**body, "budget": "4500000.00", "start_period": "2026-06"}, headers=ADMIN
    )
    assert r.status_code == 201, r.text
    assert sorted(r.json()["result"]["selected"]) == sorted(ids[c] for c in "ABD")
    assert r.json()["result"]["total_cost"] == "3000000.00"
    assert "below the budget line" in " ".join(excluded(r.json()["result"])[ids["E"]])


async def test_groups_bind_and_are_named_with_project_codes(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _two_fiscal_years(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    body = {
        "name": "Alternatives",
        "budget": "10000000.00",
        "start_period": "2027-01",
        "groups": [
            {"project_ids": [ids["C"], ids["E"]], "rule": "all_or_none"},
            {"project_ids": [ids["A"], ids["B"]], "rule": "at_most_one", "name": "CRM"},
        ],
    }
    r = await client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    result = r.json()["result"]
    assert sorted(result["selected"]) == sorted(ids[c] for c in "ACDE")
    assert excluded(result) == {ids["B"]: ['group 2 "CRM" (at_most_one) already has A selected']}
    assert 'group 2 "CRM" (at_most_one)' in result["binding_constraints"]
    assert r.json()["groups"][1] == {
        "project_ids": [ids["A"], ids["B"]],
        "rule": "at_most_one",
        "name": "CRM",
    }


async def test_infeasible_periods_and_groups_are_422s_naming_them(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _two_fiscal_years(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    tight = [{"from": "2027-01", "to": "2027-12", "amount": "400000.00", "name": "FY2027"}]
    r = await client.post(
        url, json={"name": "x", "period_budgets": tight, "start_period": "2027-01"}, headers=ADMIN
    )
    assert r.status_code == 422, r.text
    assert r.json()["conflicts"] == [
        "the projects that must be selected (D) cost 500,000.00 within period budget 2027-01..2027-12 "
        "(FY2027) but it is 400,000.00"
    ]
    body = {
        "name": "y",
        "budget": "9000000.00",
        "force_out": [ids["A"], ids["B"]],
        "groups": [{"project_ids": [ids["A"], ids["B"]], "rule": "at_least_one"}],
    }
    r = await client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 422
    assert r.json()["conflicts"] == [
        "group 1 (at_least_one) cannot be satisfied: every project in it is ruled out "
        "(A: it is forced out; B: it is forced out)"
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget": None}, "budget"),
        ({"period_budgets": [{**FY[0], "to": "2026-12"}]}, "period_budgets[0].to"),
        ({"period_budgets": [FY[0], {**FY[1], "from": "2027-12"}]}, "period_budgets[1].from"),
        (
            {"period_budgets": [FY[1], FY[0], {**FY[0], "from": "2027-06", "to": "2027-07"}]},
            "period_budgets[2].from",
        ),
        ({"period_budgets": [{**FY[0], "from": "2027-13"}]}, "body.period_budgets.0.from"),
        ({"period_budgets": [{**FY[0], "amount": "-1.00"}]}, "body.period_budgets.0.amount"),
        ({"period_budgets": [FY[0]] * 21}, "body.period_budgets"),
        (
            {"groups": [{"project_ids": [str(uuid.uuid4())], "rule": "at_most_one"}]},
            "body.groups.0.project_ids",
        ),
        ({"groups": [{"project_ids": [str(uuid.uuid4())] * 2, "rule": "some"}]}, "body.groups.0.rule"),
        ({"start_period": "2027"}, "body.start_period"),
    ],
)
async def test_invalid_period_budgets_and_groups_name_the_field(api, client, change, field) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    body = {"name": "x", "budget": None, "period_budgets": [], **change}
    if "budget" not in change:
        body["budget"] = "100.00"
    r = await client.post(f"/portfolio/v1/portfolios/{pf['id']}/scenarios", json=body, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


async def test_group_members_must_be_projects_of_the_portfolio(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    other = await api.portfolio(name="Other")
    mine = await api.project(pf["id"], "M")
    theirs = await api.project(other["id"], "T")
    group = {"project_ids": [mine["id"], theirs["id"], mine["id"]], "rule": "all_or_none"}
    r = await client.post(
        f"/portfolio/v1/portfolios/{pf['id']}/scenarios",
        json={"name": "x", "budget": "100.00", "groups": [group]},
        headers=ADMIN,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [
        "groups[0].project_ids[1]",
        "groups[0].project_ids[2]",
    ]


async def test_compare_two_scenarios(api, client, app: FastAPI) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _two_fiscal_years(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"

    async def solve(body: dict[str, Any]) -> dict[str, Any]:
        r = await client.post(url, json={"start_period": "2027-01", **body}, headers=ADMIN)
        assert r.status_code == 201, r.text
        return dict(r.json())

    a = await solve({"name": "By year", "period_budgets": FY})
    b = await solve({"name": "Flat", "budget": "3000000.00"})
    assert sorted(b["result"]["selected"]) == sorted(ids[c] for c in "ABD")
    r = await client.get(f"{url}/compare", params={"a": a["id"], "b": b["id"]}, headers=VIEWER)
    assert r.status_code == 200, r.text
    diff = r.json()
    assert diff["only_in_a"] == [ids["E"]] and diff["only_in_b"] == []
    assert sorted(diff["in_both"]) == sorted(ids[c] for c in "ABD")
    assert diff["value"]["a"] == pytest.approx(200.0) and diff["value"]["delta"] == pytest.approx(-40.0)
    assert diff["cost"] == {"a": "4500000.00", "b": "2500000.00", "delta": "-2000000.00"}
    by_period = {row["period"]: (row["cost_a"], row["cost_b"]) for row in diff["by_period"]}
    assert by_period["2028-03"] == ("1000000.00", "0.00")
    assert all(x == y for month, (x, y) in by_period.items() if month < "2028")
    assert [row["period"] for row in diff["by_period"]] == sorted(by_period)
    assert "period budget 2027-01..2027-12 (FY2027)" in diff["binding_constraints"]["a"]
    assert diff["binding_constraints"]["b"] == b["result"]["binding_constraints"]

    missing = await client.get(f"{url}/compare", params={"a": a["id"]}, headers=VIEWER)
    assert missing.status_code == 422 and "b" in missing.text
    unknown = await client.get(
        f"{url}/compare", params={"a": a["id"], "b": str(uuid.uuid4())}, headers=VIEWER
    )
    assert unknown.status_code == 404 and "`b`" in unknown.json()["detail"]
    other = await api.portfolio(name="Other")
    elsewhere = await client.get(
        f"/portfolio/v1/portfolios/{other['id']}/scenarios/compare",
        params={"a": a["id"], "b": b["id"]},
        headers=VIEWER,
    )
    assert elsewhere.status_code == 404
    # A scenario stored before monthly costs were recorded cannot be compared: re-solve it.
    async with app.state.db.sessionmaker() as session, session.begin():
        stored = await session.scalar(select(Scenario).where(Scenario.id == uuid.UUID(b["id"])))
        assert stored is not None
        stored.result = {k: v for k, v in stored.result.items() if k != "cost_by_period"}
    stale = await client.get(f"{url}/compare", params={"a": a["id"], "b": b["id"]}, headers=VIEWER)
    assert stale.status_code == 409 and "re-solve" in stale.json()["detail"]


async def test_frontier_under_a_scenarios_period_budgets(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, _ = await _two_fiscal_years(api)
    scenario = (
        await client.post(
            f"/portfolio/v1/portfolios/{pf['id']}/scenarios",
            json={"name": "By year", "period_budgets": FY, "start_period": "2027-01"},
            headers=ADMIN,
        )
    ).json()
    url = f"/portfolio/v1/portfolios/{pf['id']}/frontier"
    r = await client.get(url, params={"points": 3, "scenario_id": scenario["id"]}, headers=VIEWER)
    assert r.status_code == 200, r.text
    points = r.json()
    # From D's counted 0.5M to every candidate's 5.2M; at the top the fiscal years bind, not the budget.
    assert [p["budget"] for p in points] == ["500000.00", "2850000.00", "5200000.00"]
    assert points[-1]["value"] == pytest.approx(scenario["result"]["total_value"])
    assert sorted(points[-1]["project_ids"]) == sorted(scenario["result"]["selected"])
    free = (await client.get(url, params={"points": 3}, headers=VIEWER)).json()
    assert free[-1]["value"] > points[-1]["value"]
    r = await client.get(url, params={"points": 3, "scenario_id": str(uuid.uuid4())}, headers=VIEWER)
    assert r.status_code == 404


async def test_a_scenario_with_period_budgets_only_can_be_approved(api, client) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _two_fiscal_years(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/scenarios"
    scenario = (
        await client.post(
            url, json={"name": "By year", "period_budgets": FY, "start_period": "2027-01"}, headers=ADMIN
        )
    ).json()
    r = await client.post(f"{url}/{scenario['id']}/approve", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["approved_projects"]) == sorted(ids[c] for c in "ABE")
    log = await client.get(
        "/portfolio/v1/decisions", params={"portfolio_id": pf["id"], "kind": "scenario"}, headers=VIEWER
    )
    assert "2500000.00 for 2027-01..2027-12 (FY2027)" in log.json()["items"][-1]["rationale"]

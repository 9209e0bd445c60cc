"""`make demo` against the real stack: the loader fills a portfolio through the public APIs and a
newcomer's first look — the dashboard, the programmes and their benefits, the breakdown by phase, the
fiscal-year scenario, the board report and its CSV — shows all of it."""

from __future__ import annotations

import csv
import importlib
import io
import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

import httpx
import pytest
from pmo_common.testing.harness import auth, token
from pmo_common.testing.stack import Stack

from .conftest import HR_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

MONEY = ("bac", "pv", "ev", "ac", "eac", "vac")


def demo_package() -> ModuleType:
    """`demo/` lives at the repository root (on the path through pytest's `pythonpath`)."""
    return importlib.import_module("demo")


async def check_programmes(
    http: httpx.AsyncClient, api: str, portfolio_id: str, by_code: dict[str, Any]
) -> dict[str, str]:
    """Two programmes, each listing its projects; a few projects stand alone. Returns code -> id."""
    listed = (await http.get(f"{api}/programmes", params={"portfolio_id": portfolio_id})).json()["items"]
    programmes = {p["code"]: p["id"] for p in listed}
    assert set(programmes) == {"CX", "OPEX"}, listed
    members: dict[str, set[str]] = {}
    for code, programme_id in programmes.items():
        params = {"portfolio_id": portfolio_id, "programme_id": programme_id, "limit": 500}
        items = (await http.get(f"{api}/projects", params=params)).json()["items"]
        members[code] = {p["code"] for p in items}
        assert {p["programme_id"] for p in items} == {programme_id}
    assert {"CLM-CORE", "CRM-360", "PORTAL-B2C", "PRICING-ENG"} <= members["CX"]
    assert {"DC-EXIT", "ERP-FIN", "DWH-CLOUD", "IAM-ZT"} <= members["OPEX"]
    alone = {c for c, p in by_code.items() if p["programme_id"] is None}
    assert alone and "HR-CORE" in alone and members["CX"] | members["OPEX"] | alone == set(by_code)
    return programmes


def check_custom_fields(fields: list[dict[str, Any]], by_code: dict[str, Any]) -> None:
    """`phase` (required) and `business_unit` on every project, tags on some."""
    assert [f["key"] for f in fields] == ["phase", "business_unit"]
    phase = fields[0]
    assert phase["required"] and phase["type"] == "choice"
    assert all(p["fields"]["phase"] in phase["choices"] for p in by_code.values())
    assert {p["fields"]["phase"] for p in by_code.values()} >= {"Initiation", "Build", "Closure"}
    assert by_code["NET-SDWAN"]["fields"]["phase"] == "Closure"
    assert by_code["CLM-CORE"]["fields"]["business_unit"] == "Claims"
    tagged = [p for p in by_code.values() if p["tags"]]
    assert 0 < len(tagged) < len(by_code) and "regulatory" in by_code["PAY-INST"]["tags"]


async def check_breakdown(http: httpx.AsyncClient, rep: str) -> list[dict[str, Any]]:
    """The breakdown by `field.phase` adds up to the dashboard as of the same day."""
    today = datetime.now(UTC).date().isoformat()
    board = (await http.get(f"{rep}/dashboard", params={"as_of": today})).json()
    response = await http.get(f"{rep}/breakdown", params={"by": "field.phase", "as_of": today})
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["items"]
    assert {r["key"] for r in rows} >= {"Initiation", "Build", "Closure"} and None not in {
        r["key"] for r in rows
    }
    assert sum(r["projects"] for r in rows) == board["projects"]["total"] == 36
    for name in MONEY:
        assert sum(Decimal(r[name]) for r in rows) == Decimal(board["evm"][name]), (name, rows, board["evm"])
    assert Decimal(next(r for r in rows if r["key"] == "Build")["ev"]) > 0
    return rows


async def check_benefits(
    http: httpx.AsyncClient,
    stack: Stack,
    portfolio_id: str,
    programmes: dict[str, str],
    board: dict[str, Any],
) -> None:
    """Benefits in money, percent and counts; a year of measurements rising towards the target; the
    dashboards (the portfolio's and each programme's) show how much is realised."""
    api = stack["portfolio"].api
    params = {"portfolio_id": portfolio_id, "limit": 500}
    benefits = (await http.get(f"{api}/benefits", params=params)).json()["items"]
    assert {b["kind"] for b in benefits} == {"financial", "non_financial"}
    assert {"EUR", "%", "vulnerabilities"} <= {b["unit"] for b in benefits}
    assert {b["programme_id"] for b in benefits if b["project_id"] is None} == set(programmes.values())
    measured = [b for b in benefits if b["latest"] is not None]
    assert len(measured) >= 15 and all(b["realised_percent"] is not None for b in measured)
    assert board["benefits"]["count"] == len(benefits) and board["benefits"]["realised_percent"] is not None
    first = max(measured, key=lambda b: b["realised_percent"])
    values = [
        m["value"] for m in (await http.get(f"{api}/benefits/{first['id']}/measurements")).json()["items"]
    ]
    assert len(values) == 12
    towards = 1 if first["target_value"] > first["baseline_value"] else -1
    assert all(towards * (b - a) >= 0 for a, b in itertools.pairwise(values)), values
    assert values[-1] != values[0]
    for code, programme_id in programmes.items():
        response = await http.get(f"{stack['reporting'].api}/programmes/{programme_id}/dashboard")
        assert response.status_code == 200, response.text
        programme = response.json()
        assert programme["filters"]["programme_id"] == programme_id
        assert 0 < programme["projects"]["total"] < 36
        assert (
            programme["benefits"]["count"] >= 2 and programme["benefits"]["realised_percent"] is not None
        ), code


def check_period_budgets(scenario: dict[str, Any]) -> None:
    """Fiscal-year budgets and groups: an exclusion names the period budget that binds."""
    budgets = scenario["period_budgets"]
    assert 2 <= len(budgets) <= 3 and all(b["name"].startswith("FY") for b in budgets)
    assert {g["rule"] for g in scenario["groups"]} == {"all_or_none", "at_most_one"}
    assert scenario["start_period"]
    labels = [f"period budget {b['from']}..{b['to']} ({b['name']})" for b in budgets]
    reasons = [r for e in scenario["result"]["excluded"] for r in e["reasons"]]
    named = [r for r in reasons if any(label in r for label in labels)]
    assert named, reasons
    assert any(label in scenario["result"]["binding_constraints"] for label in labels)
    assert {p["name"] for p in scenario["result"]["period_budgets"]} == {b["name"] for b in budgets}


def check_csv_structure(
    rows: list[dict[str, str]], by_code: dict[str, Any], programmes: dict[str, str]
) -> None:
    """report.csv carries each project's programme, tags and custom fields."""
    assert {"programme", "tags", "field.phase", "field.business_unit"} <= set(rows[0])
    code_of = {v: k for k, v in programmes.items()}
    for row in rows:
        project = by_code[row["code"]]
        assert row["field.phase"] == project["fields"]["phase"]
        assert row["field.business_unit"] == project["fields"]["business_unit"]
        assert row["programme"] == (code_of[project["programme_id"]] if project["programme_id"] else "")
        assert row["tags"] == ";".join(project["tags"])


async def test_the_demo_loads_a_portfolio_a_newcomer_can_explore(stack: Stack, e2e_logs: None) -> None:
    demo = demo_package()
    config = demo.Config(
        portfolio_url=stack["portfolio"].url,
        risk_url=stack["risk"].api,  # with or without the prefix
        resource_url=stack["resource"].url,
        reporting_url=stack["reporting"].url,
        token=token("demo-pmo", ["admin"]),
        hr_key=HR_KEY,
    )
    lines: list[str] = []
    result = await demo.load(config, out=lines.append)
    output = "\n".join(lines)
    # How long the load takes is not a test's business (a timed test fails on a busy machine); a stalled
    # loader ends in the test's timeout.
    assert not result.existing, output
    assert "HR import with the HR integration key" in output
    assert "programmes CX 'Customer experience'" in output and "by phase" in output
    assert "below the line of period budget" in output
    assert "/report.html" in output and "/report.csv" in output and "Authorization: Bearer" in output

    viewer = auth("board.member", "viewer")
    rep = f"{stack['reporting'].api}/portfolios/{result.portfolio_id}"
    async with httpx.AsyncClient(timeout=30, headers=viewer) as http:
        # --- portfolio: stages moved by gate decisions and the approved capacity-aware scenario ----
        projects = (
            await http.get(
                f"{stack['portfolio'].api}/projects",
                params={"portfolio_id": result.portfolio_id, "limit": 500},
            )
        ).json()["items"]
        assert len(projects) == 36
        stages = {p["stage"] for p in projects}
        assert {"proposal", "approved", "in_progress", "on_hold", "closed", "rejected", "cancelled"} <= stages
        by_code = {p["code"]: p for p in projects}
        assert by_code["AI-TRIAGE"]["depends_on"] and by_code["CRM-BUILD"]["excludes"]
        assert all(len(p["scores"]) == 5 and p["wsjf"] for p in projects)
        scenario = result.scenario
        assert scenario["respect_capacity"] and scenario["status"] == "approved"
        assert scenario["approved_projects"]
        excluded = {e["project_id"]: e["reasons"] for e in scenario["result"]["excluded"]}
        assert any("capacity" in r for r in excluded[by_code["AI-TRIAGE"]["id"]]), excluded
        check_period_budgets(scenario)

        # --- structure: programmes, custom fields and tags -----------------------------------------
        programmes = await check_programmes(http, stack["portfolio"].api, result.portfolio_id, by_code)
        assert result.programmes == programmes
        fields = (await http.get(f"{stack['portfolio'].api}/portfolios/{result.portfolio_id}/fields")).json()
        check_custom_fields(fields, by_code)

        # --- the dashboard ----------------------------------------------------------------------
        board = (await http.get(f"{rep}/dashboard")).json()
        counts = board["projects"]
        assert counts["total"] == 36
        assert counts["by_stage"]["in_progress"] >= 10 and counts["by_stage"]["closed"] >= 3
        assert sum(counts["by_stage"].values()) == 36
        assert counts["by_rag"].get("green", 0) > 0
        assert counts["by_rag"].get("amber", 0) + counts["by_rag"].get("red", 0) > 0
        evm = board["evm"]
        assert evm["spi"] is not None and evm["cpi"] is not None
        assert Decimal(evm["bac"]) > 0 and Decimal(evm["ev"]) > 0 and Decimal(evm["ac"]) > 0
        risks = board["risks"]
        assert risks["open"] >= 30 and risks["escalated"] >= 2
        assert Decimal(risks["emv_total"]) != 0 and risks["top"]
        utilisation = board["capacity"]["utilisation_by_role"]
        assert len(utilisation) >= 8 and any(u for u in utilisation.values())
        assert board["attention"] and board["attention_total"] >= 3
        await check_benefits(http, stack, result.portfolio_id, programmes, board)
        phases = await check_breakdown(http, rep)
        assert {r["key"] for r in phases} == {r["key"] for r in result.by_phase}

        # --- a year of history: back-dated gate decisions and past reports fill the KPI series -------
        this_month = date.today().replace(day=1)
        first = (this_month - timedelta(days=365)).strftime("%Y-%m")
        last = (this_month - timedelta(days=1)).strftime("%Y-%m")
        kpis = (await http.get(f"{rep}/kpis", params={"from": first, "to": last})).json()["items"]
        with_spi = [k["month"] for k in kpis if k["evm"]["spi"] is not None]
        assert len(with_spi) >= 6, kpis
        assert all(
            k["projects"]["total"] > 0 and k["projects"]["by_rag"] for k in kpis if k["month"] in with_spi
        )

        # --- the board report and its CSV ----------------------------------------------------------
        html = await http.get(f"{rep}/report.html")
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert html.text.count("data:image/svg+xml") + html.text.count("<svg") == 2
        report = await http.get(f"{rep}/report.csv")
        assert report.status_code == 200
        rows = list(csv.DictReader(io.StringIO(report.text)))
        assert len(rows) == 36 and {r["code"] for r in rows} == set(by_code)
        check_csv_structure(rows, by_code, programmes)

        # --- HR's people and capacity, the risk register ------------------------------------------
        people = (await http.get(f"{stack['resource'].api}/resources", params={"limit": 500})).json()
        assert len(people["items"]) == 200
        register = (
            await http.get(
                f"{stack['risk'].api}/risks", params={"portfolio_id": result.portfolio_id, "limit": 500}
            )
        ).json()["items"]
        assert {r["kind"] for r in register} == {"threat", "opportunity"}
        assert any(r["residual"] for r in register) and any(r["issue_id"] for r in register)

    # --- a second run finds the loaded portfolio instead of loading it twice ------------------
    again: list[str] = []
    second = await demo.load(config, out=again.append)
    assert second.existing and second.portfolio_id == result.portfolio_id
    assert "already loaded" in "\n".join(again)

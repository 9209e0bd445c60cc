"""`make demo` against the real stack: the loader fills a portfolio through the public APIs and a
newcomer's first look — the dashboard, the board report and its CSV — shows all of it."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import date, timedelta
from decimal import Decimal
from types import ModuleType

import httpx
import pytest
from pmo_common.testing.harness import auth, token
from pmo_common.testing.stack import Stack

from .conftest import HR_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def demo_package() -> ModuleType:
    """`demo/` lives at the repository root (on the path through pytest's `pythonpath`)."""
    return importlib.import_module("demo")


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
    assert not result.existing and result.seconds < 60, output
    assert "HR import with the HR integration key" in output
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

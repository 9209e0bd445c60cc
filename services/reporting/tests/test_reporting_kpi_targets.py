"""KPI targets per portfolio over HTTP (contract §7.8): defaults, validation, If-Match and roles, and
how they drive the suggested RAG (EVM, status reports, the dashboard) and the attention reasons."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pmo_common.testing.harness import auth
from pmo_reporting.dashboards.cache import CacheKey, cache_key
from sqlalchemy import event

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
PMO = auth("olga", "pmo")
VIEWER = auth("vera", "viewer")
DEFAULTS = {
    "spi": {"green": 0.95, "amber": 0.85},
    "cpi": {"green": 0.95, "amber": 0.85},
    "report_age_days": {"green": 31, "amber": 35},
}
STRICT = {
    "spi": {"green": 1.0, "amber": 0.95},
    "cpi": {"green": 0.97, "amber": 0.9},
    "report_age_days": {"green": 14, "amber": 45},
}


def targets_url(portfolio_id: str) -> str:
    return f"{PREFIX}/portfolios/{portfolio_id}/kpi-targets"


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def days_ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


async def submit(client: httpx.AsyncClient, project: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        f"{PREFIX}/projects/{project['id']}/status-reports", json=body, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def evm(client: httpx.AsyncClient, project: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{PREFIX}/projects/{project['id']}/evm", headers=VIEWER)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def attention(client: httpx.AsyncClient, portfolio: dict[str, Any]) -> dict[str, dict[str, Any]]:
    url = f"{PREFIX}/portfolios/{portfolio['id']}/dashboard"
    board = (await client.get(url, headers=VIEWER)).json()
    return {a["code"]: a for a in board["attention"]}


async def test_a_portfolio_without_targets_gets_the_defaults_at_version_0(client, feed) -> None:
    portfolio = await feed.portfolio()
    response = await client.get(targets_url(portfolio["id"]), headers=VIEWER)
    assert response.status_code == 200 and response.headers["etag"] == '"0"'
    body = response.json()
    assert {k: body[k] for k in DEFAULTS} == DEFAULTS
    assert (body["version"], body["is_default"], body["portfolio_id"]) == (0, True, portfolio["id"])
    unknown = targets_url(str(uuid.uuid4()))
    assert (await client.get(unknown, headers=VIEWER)).status_code == 404
    assert (await client.put(unknown, json=STRICT, headers=ADMIN)).status_code == 404


async def test_put_stores_targets_honours_if_match_and_only_pmo_or_admin_write(client, feed) -> None:
    portfolio = await feed.portfolio()
    url = targets_url(portfolio["id"])
    assert (await client.put(url, json=STRICT, headers=VIEWER)).status_code == 403
    assert (await client.put(url, json=STRICT, headers=auth("pat", "project_manager"))).status_code == 403
    stale = await client.put(url, json=STRICT, headers=PMO | {"If-Match": '"1"'})
    assert stale.status_code == 412  # still on the defaults: version 0
    created = await client.put(url, json=STRICT, headers=PMO | {"If-Match": '"0"'})
    assert created.status_code == 200, created.text
    assert created.headers["etag"] == '"1"'
    assert created.json() | {"updated_at": None} == {
        **STRICT,
        "portfolio_id": portfolio["id"],
        "version": 1,
        "is_default": False,
        "updated_by": "olga",
        "updated_at": None,
    }
    same = await client.put(url, json=STRICT, headers=ADMIN)
    assert same.json()["version"] == 1  # the same targets again: no new version
    changed = STRICT | {"cpi": {"green": 1.1, "amber": 0.8}}
    assert (await client.put(url, json=changed, headers=ADMIN | {"If-Match": '"0"'})).status_code == 412
    assert (await client.put(url, json=changed, headers=ADMIN | {"If-Match": 'W/"1"'})).status_code == 412
    updated = await client.put(url, json=changed, headers=ADMIN | {"If-Match": '"1"'})
    assert updated.status_code == 200 and updated.json()["version"] == 2
    read = await client.get(url, headers=VIEWER)
    assert read.json()["cpi"] == {"green": 1.1, "amber": 0.8} and read.headers["etag"] == '"2"'
    audit = await client.get(
        f"{PREFIX}/audit?entity_type=kpi_targets&entity_id={portfolio['id']}", headers=ADMIN
    )
    entries = audit.json()["items"]
    assert [(e["action"], e["version"], e["actor"]) for e in entries] == [
        ("created", 1, "olga"),
        ("updated", 2, "root"),
    ]
    assert entries[1]["changes"]["cpi"] == {"from": {"green": 0.97, "amber": 0.9}, "to": changed["cpi"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"spi": {"green": 0.85, "amber": 0.95}}, "body.spi.amber"),
        ({"cpi": {"green": 0.9, "amber": 0.90001}}, "body.cpi.amber"),  # 5 decimals
        ({"cpi": {"green": 11, "amber": 0.9}}, "body.cpi.green"),
        ({"spi": {"green": -0.1, "amber": -0.2}}, "body.spi.green"),
        ({"spi": {"green": "0.95", "amber": 0.85}}, "body.spi.green"),
        ({"report_age_days": {"green": 40, "amber": 35}}, "body.report_age_days.amber"),
        ({"report_age_days": {"green": 31.5, "amber": 35}}, "body.report_age_days.green"),
        ({"report_age_days": {"green": 31, "amber": 100000}}, "body.report_age_days.amber"),
        ({"spi": {"green": 0.95}}, "body.spi.amber"),
        ({"spi": {"green": 0.95, "amber": 0.85, "red": 0.5}}, "body.spi.red"),
    ],
)
async def test_invalid_targets_are_a_422_naming_the_field(client, feed, change, field) -> None:
    portfolio = await feed.portfolio()
    response = await client.put(targets_url(portfolio["id"]), json=DEFAULTS | change, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_non_finite_numbers_are_refused(client, feed) -> None:
    portfolio = await feed.portfolio()
    body = '{"spi": {"green": NaN, "amber": 0.85}, "cpi": {"green": 0.95, "amber": 0.85}, ' + (
        '"report_age_days": {"green": 31, "amber": 35}}'
    )
    response = await client.put(
        targets_url(portfolio["id"]), content=body, headers=ADMIN | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422


async def test_targets_drive_the_suggested_rag_and_the_attention_reasons(client, feed, make_report) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], code="LATE", stage="in_progress")
    figures = {"planned_value": "50000.00", "earned_value": "45000.00", "actual_cost": "45000.00"}
    report = await submit(client, project, make_report(today(), **figures))  # SPI 0.9, CPI 1.0
    assert report["suggested_rag"] == "amber"
    assert (await evm(client, project))["suggested_rag"] == "amber"
    assert "LATE" not in await attention(client, portfolio)  # amber needs no attention (cached now)

    assert (await client.put(targets_url(portfolio["id"]), json=STRICT, headers=ADMIN)).status_code == 200
    assert (await evm(client, project))["suggested_rag"] == "red"
    listed = (await attention(client, portfolio))["LATE"]  # the cached dashboard is not served
    assert (listed["reasons"], listed["suggested_rag"]) == (["SPI 0.9000 below 0.95"], "red")
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    assert (await client.get(f"{url}/{report['id']}", headers=VIEWER)).json()["suggested_rag"] == "amber"
    again = await submit(client, project, make_report(today(), **figures))
    assert again["suggested_rag"] == "red"  # history keeps its colour; new reports get the new one


async def test_a_ratio_is_judged_at_the_precision_it_is_printed_with(client, feed, make_report) -> None:
    portfolio = await feed.portfolio()
    below = await feed.project(portfolio["id"], code="BELOW", stage="in_progress")
    rounds_up = await feed.project(portfolio["id"], code="ROUNDS-UP", stage="in_progress")
    plan = {"planned_value": "100000.00", "actual_cost": "50000.00"}
    await submit(client, below, make_report(today(), earned_value="84910.00", **plan))  # SPI 0.8491
    await submit(client, rounds_up, make_report(today(), earned_value="84996.00", **plan))  # 0.84996
    assert (await evm(client, below))["spi"] == 0.8491
    assert (await evm(client, rounds_up))["spi"] == 0.85
    listed = await attention(client, portfolio)
    assert listed["BELOW"]["reasons"] == ["SPI 0.8491 below 0.85"]
    assert listed["BELOW"]["suggested_rag"] == "red"
    assert "ROUNDS-UP" not in listed  # printed 0.8500: not below 0.85, so amber and no reason
    assert (await evm(client, rounds_up))["suggested_rag"] == "amber"


async def test_report_age_follows_the_targets(client, feed, make_report) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], code="QUIET", stage="in_progress")
    on_plan = {"planned_value": "50000.00", "earned_value": "50000.00", "actual_cost": "50000.00"}
    await submit(client, project, make_report(days_ago(40), **on_plan))
    listed = (await attention(client, portfolio))["QUIET"]
    assert (listed["reasons"], listed["suggested_rag"]) == (["no status report for 40 days"], "red")
    assert (await evm(client, project))["suggested_rag"] == "red"  # 40 days > the default 35

    assert (await client.put(targets_url(portfolio["id"]), json=STRICT, headers=ADMIN)).status_code == 200
    assert "QUIET" not in await attention(client, portfolio)  # within 45 days now
    assert (await evm(client, project))["suggested_rag"] == "amber"  # over 14 days


async def test_a_report_without_percent_complete_or_actual_cost_yields_null_figures(
    client, feed, make_report, outbox_events
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], code="FORECAST", stage="in_progress", budget="100000.00")
    body = make_report(today(), actual_cost=None, forecast_cost="120000.00")
    del body["percent_complete"]
    report = await submit(client, project, body)
    assert (report["percent_complete"], report["actual_cost"], report["suggested_rag"]) == (
        None,
        None,
        "green",
    )
    figures = await evm(client, project)
    unknown = ("ev", "ac", "sv", "cv", "spi", "cpi", "etc", "tcpi", "tcpi_eac")
    assert {k: figures[k] for k in unknown} == dict.fromkeys(unknown)
    assert (figures["eac"], figures["vac"], figures["bac"]) == ("120000.00", "-20000.00", "100000.00")
    assert figures["pv"] is not None
    assert figures["earned_schedule"]["es_days"] is None and figures["earned_schedule"]["spi_t"] is None
    submitted = [e["data"] for e in await outbox_events("pmo.reporting.status_report.submitted")]
    assert (submitted[-1]["percent_complete"], submitted[-1]["actual_cost"], submitted[-1]["cpi"]) == (
        None,
        None,
        None,
    )
    board = (await client.get(f"{PREFIX}/portfolios/{portfolio['id']}/dashboard", headers=VIEWER)).json()
    assert (board["evm"]["ev"], board["evm"]["ac"], board["evm"]["spi"], board["evm"]["cpi"]) == (
        "0.00",
        "0.00",
        None,
        None,
    )
    lines = (await client.get(f"{PREFIX}/portfolios/{portfolio['id']}/report.csv", headers=VIEWER)).text
    assert lines.count("\r\n") == 2  # the header and the project, exported without invented figures


async def test_an_actual_cost_without_earned_value_is_left_out_of_the_portfolio_cpi(
    client, feed, make_report
) -> None:
    portfolio = await feed.portfolio()
    costed = await feed.project(portfolio["id"], code="A", stage="in_progress")
    uncosted = await feed.project(portfolio["id"], code="B", stage="in_progress")
    await submit(
        client,
        costed,
        make_report(today(), planned_value="50000.00", earned_value="40000.00", actual_cost="50000.00"),
    )
    await submit(
        client,
        uncosted,
        make_report(today(), planned_value="50000.00", earned_value="50000.00", actual_cost=None),
    )
    board = (await client.get(f"{PREFIX}/portfolios/{portfolio['id']}/dashboard", headers=VIEWER)).json()
    # EV 90,000 over PV 100,000; CPI only where AC is known: 40,000 / 50,000 (not 90,000 / 50,000).
    assert (board["evm"]["ev"], board["evm"]["ac"]) == ("90000.00", "50000.00")
    assert (board["evm"]["spi"], board["evm"]["cpi"]) == (0.9, 0.8)


async def test_the_kpi_series_spans_120_months_in_as_many_statements_as_one(
    client, feed, make_report, app
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], start_date="2016-01-01", finish_date="2025-12-31")
    await submit(
        client, project, make_report("2020-06-30", planned_value="50000.00", earned_value="45000.00")
    )
    url = f"{PREFIX}/portfolios/{portfolio['id']}/kpis"
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "rm_project_history" in statement or "rm_risk_history" in statement:  # not the relay's polls
            statements.append(statement)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        one = await client.get(url, params={"from": "2020-06", "to": "2020-06"}, headers=VIEWER)
        per_request = len(statements)
        statements.clear()
        response = await client.get(url, params={"from": "2016-01", "to": "2025-12"}, headers=VIEWER)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert one.status_code == 200 and response.status_code == 200, response.text
    assert len(statements) == per_request  # no statement per month (nor per project)
    items = response.json()["items"]
    assert len(items) == 120 and (items[0]["month"], items[-1]["month"]) == ("2016-01", "2025-12")
    too_long = await client.get(url, params={"from": "2016-01", "to": "2026-01"}, headers=VIEWER)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "query.to"


async def test_storing_targets_bumps_the_dashboard_version(client, feed, app) -> None:
    """What keeps a cached dashboard from outliving the targets it was computed with."""
    portfolio = await feed.portfolio()

    async def key() -> CacheKey:
        return await cache_key(app.state.db, uuid.UUID(portfolio["id"]), datetime.now(UTC).date(), True)

    before = await key()
    assert (await client.put(targets_url(portfolio["id"]), json=STRICT, headers=ADMIN)).status_code == 200
    bumped = await key()
    assert bumped != before
    assert (await client.put(targets_url(portfolio["id"]), json=STRICT, headers=ADMIN)).status_code == 200
    assert await key() == bumped  # the same targets again change nothing

"""Baselines in reporting (contract §7.3): every figure as of a date D is measured against the
baseline in force on D, kept from the portfolio service's events, so a board report as of a past
date reads the same, byte for byte, before and after any later re-plan."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from pmo_common.contracts.events import BaselineApproved, ProjectUpdated
from pmo_common.testing.harness import auth, eventually
from pmo_reporting.readmodels.models import ProjectView
from sqlalchemy import event, update

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
APPROVED = datetime(2025, 1, 15, 9, tzinfo=UTC)
REBASELINED = datetime(2025, 6, 15, 14, tzinfo=UTC)


def monthly(first: str, last: str, amount: str) -> list[dict[str, str]]:
    year, month = (int(p) for p in first.split("-"))
    periods = []
    while f"{year:04d}-{month:02d}" <= last:
        periods.append({"period": f"{year:04d}-{month:02d}", "amount": amount})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def terms(
    number: int, budget: str, start: str, finish: str, at: datetime, profile: Any = ()
) -> dict[str, Any]:
    return {
        "number": number,
        "budget": budget,
        "start_date": start,
        "finish_date": finish,
        "cost_profile": list(profile),
        "approved_at": at.isoformat(),
    }


async def approve(feed: Any, project: dict[str, Any], baseline: dict[str, Any]) -> None:
    """`baseline.approved`, as the portfolio service publishes it."""
    data = baseline | {
        "id": f"00000000-0000-4000-8000-{baseline['number']:012d}",
        "version": 1,
        "project_id": project["id"],
        "portfolio_id": project["portfolio_id"],
        "rationale": "board approval",
        "approved_by": "board",
    }
    await feed.publish(BaselineApproved, data)


async def evm(client: httpx.AsyncClient, project: dict[str, Any], as_of: str) -> dict[str, Any]:
    response = await client.get(f"{PREFIX}/projects/{project['id']}/evm?as_of={as_of}", headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def settled(feed: Any, portfolio: dict[str, Any]) -> None:
    """Wait for a marker project published after everything else on the same consumer."""
    await feed.project(portfolio["id"], code="MARKER", stage="cancelled")


async def test_a_budget_edit_after_approval_does_not_move_last_marchs_spi(client, feed, make_report) -> None:
    # The issue: 1.2M → 1.5M after approval moved SPI as of March from 0.818 to 1.02.
    portfolio = await feed.portfolio()
    project = await feed.project(
        portfolio["id"], budget="1200000.00", start_date="2025-01-01", finish_date="2025-12-31"
    )
    baseline = terms(1, "1200000.00", "2025-01-01", "2025-12-31", APPROVED)
    approved = await feed.stage(project | {"baseline": baseline}, "approved", APPROVED, version=2)
    await approve(feed, project, baseline)
    await eventually(lambda: _baseline_is(client, project, "2025-03-31", 1))
    body = make_report(
        date(2025, 3, 31), planned_value="275000.00", percent_complete=18.75, actual_cost="240000.00"
    )
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    assert (await client.post(url, json=body, headers=ADMIN)).status_code == 201
    march = await evm(client, project, "2025-03-31")
    assert (march["bac"], march["ev"], march["spi"]) == ("1200000.00", "225000.00", 0.8182)

    await feed.publish(ProjectUpdated, approved | {"version": 3, "budget": "1500000.00"})  # the forecast
    await settled(feed, portfolio)
    assert await evm(client, project, "2025-03-31") == march
    board = f"{PREFIX}/portfolios/{portfolio['id']}/dashboard?as_of=2025-03-31"
    assert (await client.get(board, headers=ADMIN)).json()["evm"]["spi"] == 0.8182


async def _baseline_is(client: httpx.AsyncClient, project: dict[str, Any], as_of: str, number: int) -> bool:
    return (await evm(client, project, as_of))["baseline_number"] == number


async def _stage_is(client: httpx.AsyncClient, portfolio: dict[str, Any], as_of: str, stage: str) -> bool:
    url = f"{PREFIX}/portfolios/{portfolio['id']}/dashboard?as_of={as_of}"
    return (await client.get(url, headers=ADMIN)).json()["projects"]["by_stage"].get(stage) == 1


SNAPSHOTS = (
    "/portfolios/{portfolio}/dashboard?as_of=2025-03-31",
    "/portfolios/{portfolio}/dashboard?as_of=2025-01-10",
    "/portfolios/{portfolio}/kpis?from=2025-01&to=2025-05",
    "/portfolios/{portfolio}/report.csv?as_of=2025-03-31",
    "/portfolios/{portfolio}/report.html?as_of=2025-03-31",
    "/projects/{project}/evm?as_of=2025-03-31",
    "/projects/{project}/evm?as_of=2025-03-15",
    "/projects/{project}/evm?as_of=2024-12-31",
)


async def _snapshot(client: httpx.AsyncClient, portfolio: dict[str, Any], project: dict[str, Any]) -> dict:
    bodies = {}
    for path in SNAPSHOTS:
        url = PREFIX + path.format(portfolio=portfolio["id"], project=project["id"])
        response = await client.get(url, headers=ADMIN)
        assert response.status_code == 200, (url, response.text)
        bodies[path] = response.content
    series = await client.get(f"{PREFIX}/projects/{project['id']}/evm/series", headers=ADMIN)
    # The series spans every plan's dates: a later plan may add months, never change these.
    bodies["series 2025-01..05"] = [p for p in series.json()["items"] if "2025-01" <= p["month"] <= "2025-05"]
    return bodies


@pytest.fixture
async def replanned(client, feed, make_report) -> dict[str, Any]:
    """ERP, approved in January 2025 against baseline 1 (a monthly profile of 100,000) and reported
    on in February and March; its figures as of those dates taken (`before`); then re-baselined in
    June (a bigger budget, a later finish, another profile) and its own fields edited twice (its
    forecast: budget, finish, start, profile)."""
    portfolio = await feed.portfolio()
    profile = monthly("2025-01", "2025-12", "100000.00")
    project = await feed.project(
        portfolio["id"],
        code="ERP",
        budget="1200000.00",
        start_date="2025-01-01",
        finish_date="2025-12-31",
        cost_profile=profile,
    )
    first = terms(1, "1200000.00", "2025-01-01", "2025-12-31", APPROVED, profile)
    approved = await feed.stage(project | {"baseline": first}, "approved", APPROVED, version=2)
    await approve(feed, project, first)
    started = await feed.stage(approved, "in_progress", datetime(2025, 2, 1, tzinfo=UTC), version=3)
    await eventually(lambda: _baseline_is(client, project, "2025-03-31", 1))
    # The stage change and the baseline are different aggregates: neither waits for the other.
    await eventually(lambda: _stage_is(client, portfolio, "2025-03-31", "in_progress"))
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    for as_of, percent, ac in ((date(2025, 2, 28), 10, "150000.00"), (date(2025, 3, 31), 22.5, "310000.00")):
        body = make_report(as_of, percent_complete=percent, actual_cost=ac, forecast_cost="1400000.00")
        assert (await client.post(url, json=body, headers=ADMIN)).status_code == 201
    before = await _snapshot(client, portfolio, project)

    second = terms(
        2, "1500000.00", "2025-01-01", "2026-03-31", REBASELINED, monthly("2025-01", "2026-03", "100000.00")
    )
    await approve(feed, project, second)
    edited = started | {
        "version": 4,
        "budget": "1800000.00",
        "finish_date": "2026-06-30",
        "cost_profile": monthly("2025-01", "2026-06", "100000.00"),
        "baseline": second,
    }
    await feed.publish(ProjectUpdated, edited)
    await feed.publish(
        ProjectUpdated, edited | {"version": 5, "budget": "2000000.00", "start_date": "2024-11-01"}
    )
    await settled(feed, portfolio)
    return {"portfolio": portfolio, "project": project, "before": before}


async def test_figures_as_of_a_past_date_are_identical_after_a_rebaseline_and_a_budget_edit(
    client, replanned
) -> None:
    before = replanned["before"]
    march = json.loads(before["/projects/{project}/evm?as_of=2025-03-31"])
    # PV is baseline 1's profile: January to March whole; EV 22.5 % of its BAC.
    assert (march["bac"], march["pv"], march["ev"]) == ("1200000.00", "300000.00", "270000.00")
    mid = json.loads(before["/projects/{project}/evm?as_of=2025-03-15"])
    assert mid["pv"] == "248387.10"  # 200,000 + 15/31 of March's 100,000
    assert await _snapshot(client, replanned["portfolio"], replanned["project"]) == before


async def test_dates_from_the_rebaseline_on_use_the_new_baseline(client, replanned) -> None:
    portfolio, project = replanned["portfolio"], replanned["project"]
    july = await evm(client, project, "2025-07-31")
    assert (july["baseline_number"], july["bac"], july["pv"]) == (2, "1500000.00", "700000.00")
    assert (await evm(client, project, "2025-01-10"))["baseline_number"] == 1  # before its approval
    kpis = await client.get(
        f"{PREFIX}/portfolios/{portfolio['id']}/kpis?from=2025-05&to=2025-07", headers=ADMIN
    )
    assert [i["evm"]["bac"] for i in kpis.json()["items"]] == ["1200000.00", "1500000.00", "1500000.00"]
    csv_now = await client.get(
        f"{PREFIX}/portfolios/{portfolio['id']}/report.csv?as_of=2025-07-31", headers=ADMIN
    )
    erp = next(r for r in csv.DictReader(io.StringIO(csv_now.text)) if r["code"] == "ERP")
    assert erp["bac"] == "1500000.00"


async def test_a_rebuild_replays_the_baselines_and_restores_the_past_figures(client, replanned) -> None:
    assert (await client.post(f"{PREFIX}/admin/rebuild", headers=ADMIN)).status_code == 202

    async def restored() -> bool:
        try:
            return (
                await _snapshot(client, replanned["portfolio"], replanned["project"]) == replanned["before"]
            )
        except AssertionError:  # a 404 while the portfolio is not replayed yet
            return False

    await eventually(restored, timeout=20)


async def test_a_baseline_arriving_after_reports_revalues_their_percent_complete(
    client, feed, make_report
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], budget="100000.00")
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    body = make_report(date(2025, 3, 31), percent_complete=50, actual_cost="30000.00")
    assert (await client.post(url, json=body, headers=ADMIN)).status_code == 201
    assert (await evm(client, project, "2025-03-31"))["ev"] == "50000.00"  # no baseline: the budget

    # Baseline 1 only on the project event (approved after the report: it serves earlier dates too).
    baseline = terms(1, "80000.00", "2025-01-01", "2025-12-31", datetime(2025, 4, 10, tzinfo=UTC))
    await feed.stage(
        project | {"baseline": baseline}, "approved", datetime(2025, 4, 10, tzinfo=UTC), version=2
    )
    await eventually(lambda: _baseline_is(client, project, "2025-03-31", 1))
    march = await evm(client, project, "2025-03-31")
    assert (march["bac"], march["ev"]) == ("80000.00", "40000.00")

    # A second copy of baseline 1 that differs changes nothing: a baseline never changes.
    await approve(feed, project, baseline | {"budget": "999.00"})
    await settled(feed, portfolio)
    assert await evm(client, project, "2025-03-31") == march
    board = await client.get(
        f"{PREFIX}/portfolios/{portfolio['id']}/dashboard?as_of=2025-04-30", headers=ADMIN
    )
    # Approved (so counted) by the end of April; EV from the March report.
    assert (board.json()["evm"]["bac"], board.json()["evm"]["ev"]) == ("80000.00", "40000.00")


async def test_without_a_baseline_the_current_cost_profile_spreads_pv(client, feed) -> None:
    portfolio = await feed.portfolio()
    profile = [{"period": "2025-01", "amount": "31000.00"}, {"period": "2025-02", "amount": "69000.00"}]
    project = await feed.project(portfolio["id"], budget="100000.00", cost_profile=profile)
    result = await evm(client, project, "2025-02-07")
    assert (result["baseline_number"], result["pv"]) == (None, "48250.00")  # 31,000 + 7/28 of 69,000


async def test_an_event_that_keeps_the_cost_profile_leaves_its_periods_alone(app, client, feed) -> None:
    """Most project events change a description, a stage or a field: the profile's months are
    rewritten only when the profile changed, or when the row does not know the one it has (a row
    from before `cost_profile` was kept)."""
    rewrites: list[str] = []

    @event.listens_for(app.state.db.engine.sync_engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("DELETE FROM rm_plan_periods"):
            rewrites.append(statement)

    portfolio = await feed.portfolio()
    profile = [{"period": "2025-01", "amount": "31000.00"}, {"period": "2025-02", "amount": "69000.00"}]
    project = await feed.project(portfolio["id"], budget="100000.00", cost_profile=profile)

    async def applied(version: int) -> None:
        async def done() -> bool:
            async with app.state.db.transaction(read_only=True) as session:
                row = await session.get(ProjectView, uuid.UUID(project["id"]))
                return row is not None and row.version == version

        await eventually(done)

    rewrites.clear()
    await feed.publish(ProjectUpdated, project | {"version": 2, "description": "new words"})
    await applied(2)
    assert rewrites == []
    assert (await evm(client, project, "2025-02-07"))["pv"] == "48250.00"

    changed = [{"period": "2025-01", "amount": "50000.00"}, {"period": "2025-02", "amount": "50000.00"}]
    await feed.publish(ProjectUpdated, project | {"version": 3, "cost_profile": changed})
    await applied(3)
    assert len(rewrites) == 1
    assert (await evm(client, project, "2025-02-07"))["pv"] == "62500.00"  # 50,000 + 7/28 of 50,000

    async with app.state.db.transaction() as session:  # as a row migrated from before it was kept
        await session.execute(update(ProjectView).values(cost_profile=None))
    await feed.publish(ProjectUpdated, project | {"version": 4, "cost_profile": changed})
    await applied(4)
    assert len(rewrites) == 2
    assert (await evm(client, project, "2025-02-07"))["pv"] == "62500.00"

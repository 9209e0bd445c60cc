"""A cached dashboard after each kind of change (issue #17): the answer is always what computing it
afresh gives, and only the sections the change can alter are computed again — the rest come from
the cache (`dashboards.cache.SECTIONS`); a project event that changes nothing reporting keeps (a
description) leaves the whole dashboard cached."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.contracts.events import ActionCreated, ProjectUpdated
from pmo_common.testing.harness import auth, eventually
from pmo_reporting.dashboards import service
from pmo_reporting.dashboards.cache import cache_of
from pmo_reporting.readmodels.models import PortfolioView, ProjectView

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
TODAY = datetime.now(UTC).date()
PAST = TODAY.replace(day=1) - timedelta(days=1)  # the last month's end
MONTH = TODAY.strftime("%Y-%m")


@pytest.fixture
async def portfolio(feed, client, make_report) -> dict[str, Any]:
    """Two executing projects over this year and the next, one reporting, one with demand on `dev`."""
    portfolio = await feed.portfolio()
    span = {"start_date": f"{TODAY.year - 1}-01-01", "finish_date": f"{TODAY.year + 1}-12-31"}
    projects = []
    for code in ("ERP", "CRM"):
        project = await feed.project(portfolio["id"], code=code, budget="100000.00", **span)
        project = await feed.stage(
            project, "in_progress", datetime(TODAY.year - 1, 1, 10, tzinfo=UTC), version=2
        )
        projects.append(project)
    await feed.capacity(1, [{"role": "dev", "period": MONTH, "hours": 320}])
    await feed.demand(projects[0]["id"], 1, [{"role": "dev", "period": MONTH, "hours": 100}])
    await eventually(lambda: _utilisation_is(client, portfolio["id"], 0.3125))
    body = make_report(PAST, actual_cost="20000.00")
    url = f"{PREFIX}/projects/{projects[0]['id']}/status-reports"
    assert (await client.post(url, json=body, headers=ADMIN)).status_code == 201
    return portfolio | {"projects": projects}


async def _utilisation_is(client: httpx.AsyncClient, portfolio_id: str, value: float) -> bool:
    board = await _get(client, portfolio_id, TODAY)
    return bool(board["capacity"]["utilisation_by_role"].get("dev") == value)


async def _get(client: httpx.AsyncClient, portfolio_id: str, as_of: date) -> dict[str, Any]:
    url = f"{PREFIX}/portfolios/{portfolio_id}/dashboard?as_of={as_of.isoformat()}"
    response = await client.get(url, headers=ADMIN)
    assert response.status_code == 200, response.text
    board: dict[str, Any] = response.json()
    return board


async def _afresh(app: FastAPI, portfolio_id: str, as_of: date) -> dict[str, Any]:
    """The dashboard computed with no cache at all."""
    async with app.state.db.transaction(read_only=True) as session:
        portfolio = await session.get(PortfolioView, uuid.UUID(portfolio_id))
        assert portfolio is not None
        return (await service.dashboard(session, portfolio, as_of)).model_dump(mode="json")


async def _recomputed(
    app: FastAPI, client: httpx.AsyncClient, portfolio_id: str, change: Callable[[], Awaitable[Any]]
) -> set[str]:
    """Warm the cache (today's and last month's dashboards), make the change, wait until it shows
    in a dashboard computed afresh, and check the cached answers against that: the sections the
    cache computed again meanwhile."""
    before = {}
    for as_of in (TODAY, PAST):
        before[as_of] = await _get(client, portfolio_id, as_of)
        assert before[as_of] == await _afresh(app, portfolio_id, as_of)
    computed = Counter(cache_of(app).computed)
    await change()

    async def shown() -> bool:
        return any([await _afresh(app, portfolio_id, d) != board for d, board in before.items()])

    await eventually(shown)
    for as_of in before:
        assert await _get(client, portfolio_id, as_of) == await _afresh(app, portfolio_id, as_of)
    return set(cache_of(app).computed - computed)


async def test_a_status_report_recomputes_only_the_projects_figures(
    app, client, portfolio, make_report
) -> None:
    url = f"{PREFIX}/projects/{portfolio['projects'][1]['id']}/status-reports"

    async def report() -> None:
        body = make_report(TODAY, overall="red", actual_cost="90000.00")
        assert (await client.post(url, json=body, headers=ADMIN)).status_code == 201

    assert await _recomputed(app, client, portfolio["id"], report) == {"projects"}


async def test_kpi_targets_recompute_only_the_projects_figures(app, client, portfolio) -> None:
    url = f"{PREFIX}/portfolios/{portfolio['id']}/kpi-targets"
    strict = {"spi": {"green": 1.5, "amber": 1.4}, "cpi": {"green": 1.5, "amber": 1.4}}
    strict |= {"report_age_days": {"green": 1, "amber": 2}}

    async def targets() -> None:
        response = await client.put(url, json=strict, headers=ADMIN | {"If-Match": '"0"'})
        assert response.status_code in (200, 201), response.text

    assert await _recomputed(app, client, portfolio["id"], targets) == {"projects"}


async def test_a_risk_recomputes_the_risks_and_the_projects_needing_attention(
    app, client, feed, portfolio
) -> None:
    project = portfolio["projects"][1]

    async def risk() -> None:
        await feed.risk(portfolio["id"], project["id"], escalated=True, score=20, level="critical")

    assert await _recomputed(app, client, portfolio["id"], risk) == {"projects", "risks"}


async def test_demand_recomputes_only_the_capacity(app, client, feed, portfolio) -> None:
    project = portfolio["projects"][1]

    async def demand() -> None:
        await feed.demand(project["id"], 1, [{"role": "dev", "period": MONTH, "hours": 60}])

    assert await _recomputed(app, client, portfolio["id"], demand) == {"capacity"}


async def test_an_action_recomputes_only_the_governance(app, client, feed, portfolio) -> None:
    action = {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": portfolio["id"], "project_id": None}
    action |= {"title": "Sign the contract", "owner": "olga", "due_date": str(PAST), "status": "open"}

    async def act() -> None:
        await feed.publish(ActionCreated, action)

    assert await _recomputed(app, client, portfolio["id"], act) == {"governance"}


async def test_a_budget_change_recomputes_every_section(app, client, feed, portfolio) -> None:
    project = portfolio["projects"][1]

    async def rebudget() -> None:
        await feed.publish(ProjectUpdated, project | {"version": 3, "budget": "400000.00"})

    assert await _recomputed(app, client, portfolio["id"], rebudget) == {
        "projects",
        "risks",
        "capacity",
        "governance",
    }


async def test_a_description_change_leaves_the_dashboards_cached(app, client, feed, portfolio) -> None:
    project = portfolio["projects"][1]
    before = {as_of: await _get(client, portfolio["id"], as_of) for as_of in (TODAY, PAST)}
    computed = Counter(cache_of(app).computed)
    await feed.publish(ProjectUpdated, project | {"version": 3, "description": "Now with a description"})

    async def applied() -> bool:
        async with app.state.db.transaction(read_only=True) as session:
            row = await session.get(ProjectView, uuid.UUID(project["id"]))
            return row is not None and row.version == 3

    await eventually(applied)
    for as_of, board in before.items():
        assert (
            await _get(client, portfolio["id"], as_of) == board == await _afresh(app, portfolio["id"], as_of)
        )
    assert cache_of(app).computed == computed
    # A change reporting keeps (the manager, which breakdowns group by) is not left cached.
    await feed.publish(ProjectUpdated, project | {"version": 4, "manager": "someone else"})
    await eventually(lambda: _cached_again(app, client, portfolio["id"], computed))


async def _cached_again(
    app: FastAPI, client: httpx.AsyncClient, portfolio_id: str, computed: Counter[str]
) -> bool:
    await _get(client, portfolio_id, TODAY)
    return cache_of(app).computed["projects"] > computed["projects"]

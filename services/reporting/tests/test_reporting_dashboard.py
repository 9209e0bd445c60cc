"""The portfolio dashboard, KPI series, exports and rebuild, after portfolio, risk and resource events
arrive over the real NATS."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from pmo_common.contracts.events import PortfolioCreated, ProgrammeCreated, ProjectCreated
from pmo_common.testing.harness import auth, eventually
from pmo_reporting.dashboards import repository as dashboard_repository
from pmo_reporting.readmodels.models import DemandCell, ProgrammeView
from sqlalchemy import event, func, select
from sqlalchemy.engine.default import CACHE_MISS

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
VIEWER = auth("vera", "viewer")
RESOURCE_ID = str(uuid.uuid4())


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
async def portfolio_flow(client, feed, make_report):
    """Two executing projects with reports, a proposal, risks, capacity, demand and an over-allocation."""
    portfolio = await feed.portfolio(name="Board <Portfolio> & Co")
    erp = await feed.project(
        portfolio["id"], code="ERP", name="ERP <script>alert(1)</script>", budget="100000.00"
    )
    crm = await feed.project(
        portfolio["id"], code="CRM", name='=HYPERLINK("x")', budget="200000.00", manager="sam"
    )
    idea = await feed.project(portfolio["id"], code="IDEA", name="Idea", budget="50000.00")
    await feed.stage(erp, "in_progress", utc(2025, 1, 10), version=2)
    await feed.stage(crm, "in_progress", utc(2025, 2, 10), version=2)
    escalated = await feed.risk(
        portfolio["id"],
        erp["id"],
        title="Vendor <b>late</b>",
        probability=5,
        impact=4,
        score=20,
        level="critical",
        escalated=True,
        emv="45000.00",
    )
    await feed.risk(
        portfolio["id"],
        erp["id"],
        title="Scope creep",
        probability=3,
        impact=3,
        score=9,
        level="medium",
        emv="5000.00",
    )
    await feed.risk(
        portfolio["id"],
        None,
        title="Budget cut",
        probability=2,
        impact=5,
        score=10,
        level="high",
        escalated=True,
        emv="10000.00",
    )
    month = datetime.now(UTC).strftime("%Y-%m")
    await feed.capacity(2, [{"role": "dev", "period": month, "hours": 320}])
    await feed.capacity(1, [{"role": "dev", "period": month, "hours": 999}])  # older: ignored
    await feed.demand(erp["id"], 1, [{"role": "dev", "period": month, "hours": 400}])
    await feed.overallocation(
        id=RESOURCE_ID,
        version=1,
        resource_id=RESOURCE_ID,
        role="dev",
        period=month,
        capacity_hours=160,
        demand_hours=200,
        excess_hours=40,
    )
    # ERP reports monthly and is behind; CRM reported once, long ago.
    for as_of, ev, ac in (
        (date(2025, 5, 31), "30000.00", "32000.00"),
        (date(2025, 6, 30), "40000.00", "45000.00"),
    ):
        body = make_report(as_of, overall="red", planned_value="50000.00", earned_value=ev, actual_cost=ac)
        assert (
            await client.post(f"{PREFIX}/projects/{erp['id']}/status-reports", json=body, headers=ADMIN)
        ).status_code == 201
    body = make_report(
        date(2025, 4, 30), planned_value="60000.00", earned_value="60000.00", actual_cost="55000.00"
    )
    assert (
        await client.post(f"{PREFIX}/projects/{crm['id']}/status-reports", json=body, headers=ADMIN)
    ).status_code == 201

    async def settled() -> dict | None:
        board = (await client.get(f"{PREFIX}/portfolios/{portfolio['id']}/dashboard", headers=VIEWER)).json()
        ready = (
            board["risks"]["open"] == 3
            and board["projects"]["by_stage"].get("in_progress") == 2
            and board["capacity"]["overallocated"]
            and board["capacity"]["utilisation_by_role"].get("dev")
        )
        return board if ready else None

    board = await eventually(settled)
    return {
        "portfolio": portfolio,
        "erp": erp,
        "crm": crm,
        "idea": idea,
        "escalated": escalated,
        "board": board,
    }


async def test_dashboard_aggregates_projects_evm_risks_capacity_and_attention(portfolio_flow) -> None:
    board, erp, crm = portfolio_flow["board"], portfolio_flow["erp"], portfolio_flow["crm"]
    assert board["projects"] == {
        "total": 3,
        "by_stage": {"in_progress": 2, "proposal": 1},
        "by_rag": {"red": 1, "green": 1, "none": 1},
    }
    # Sums over the two executing projects (the proposal has no committed baseline): ERP's report
    # PV 50,000 + CRM's 60,000; EV 40,000 + 60,000; AC 45,000 + 55,000. EAC = BAC / CPI: ERP
    # 100,000 × 45,000 / 40,000 = 112,500; CRM 200,000 × 55,000 / 60,000 = 183,333.33.
    assert board["evm"] == {
        "bac": "300000.00",
        "pv": "110000.00",
        "ev": "100000.00",
        "ac": "100000.00",
        "spi": 0.9091,
        "cpi": 1.0,
        "eac": "295833.33",
        "etc": "195833.33",
        "vac": "4166.67",
        "budget_growth": "-4166.67",
        "slipped_projects": 0,
        "avg_slip_days": None,
    }
    risks = board["risks"]
    assert (risks["open"], risks["escalated"], risks["emv_total"]) == (3, 2, "60000.00")
    assert risks["by_level"] == {"critical": 1, "medium": 1, "high": 1}
    assert [r["score"] for r in risks["top"]] == [20, 10, 9]
    assert board["capacity"]["utilisation_by_role"] == {"dev": 1.25}
    assert [o["resource_id"] for o in board["capacity"]["overallocated"]] == [RESOURCE_ID]
    attention = {a["project_id"]: a["reasons"] for a in board["attention"]}
    assert attention[erp["id"]][:4] == [
        "overall RAG red",
        "SPI 0.8000 below 0.85",
        "1 escalated risk",
        attention[erp["id"]][3],
    ]
    assert attention[erp["id"]][3].startswith("no status report for ")
    assert any(r.startswith("no status report for ") for r in attention[crm["id"]])
    assert portfolio_flow["idea"]["id"] not in attention


async def test_dashboard_as_of_a_past_date_uses_history(client, portfolio_flow) -> None:
    pid = portfolio_flow["portfolio"]["id"]
    board = (await client.get(f"{PREFIX}/portfolios/{pid}/dashboard?as_of=2025-01-31", headers=ADMIN)).json()
    # Only ERP had passed its gate by then; no reports yet; the risks were raised later.
    assert board["projects"]["total"] == 1 and board["projects"]["by_stage"] == {"in_progress": 1}
    assert board["risks"]["open"] == 0
    assert board["attention"][0]["reasons"] == ["no status report"]


async def test_kpis_are_computed_from_history_as_of_each_month_end(client, portfolio_flow) -> None:
    pid = portfolio_flow["portfolio"]["id"]
    response = await client.get(f"{PREFIX}/portfolios/{pid}/kpis?from=2025-01&to=2025-06", headers=ADMIN)
    items = response.json()["items"]
    assert [i["month"] for i in items] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert [i["projects"]["total"] for i in items] == [1, 2, 2, 2, 2, 2]
    assert [i["evm"]["ev"] for i in items] == ["0.00", "0.00", "0.00", "60000.00", "90000.00", "100000.00"]
    assert [i["projects"]["by_rag"].get("red", 0) for i in items] == [0, 0, 0, 0, 1, 1]
    current = datetime.now(UTC).strftime("%Y-%m")
    now = (
        await client.get(f"{PREFIX}/portfolios/{pid}/kpis?from={current}&to={current}", headers=ADMIN)
    ).json()
    assert now["items"][0]["risks"] == {"open": 3, "escalated": 2, "emv_total": "60000.00"}


async def test_kpis_reject_a_range_over_120_months_or_reversed(client, portfolio_flow) -> None:
    pid = portfolio_flow["portfolio"]["id"]
    too_long = await client.get(f"{PREFIX}/portfolios/{pid}/kpis?from=2015-01&to=2025-01", headers=ADMIN)
    reversed_ = await client.get(f"{PREFIX}/portfolios/{pid}/kpis?from=2025-02&to=2025-01", headers=ADMIN)
    bad = await client.get(f"{PREFIX}/portfolios/{pid}/kpis?from=2025-13&to=2025-01", headers=ADMIN)
    assert [too_long.status_code, reversed_.status_code, bad.status_code] == [422, 422, 422]
    assert bad.json()["errors"][0]["field"] == "query.from"
    assert [r.json()["errors"][0]["field"] for r in (too_long, reversed_)] == ["query.to", "query.to"]


async def test_unknown_portfolio_is_404(client) -> None:
    assert (
        await client.get(f"{PREFIX}/portfolios/{uuid.uuid4()}/dashboard", headers=ADMIN)
    ).status_code == 404


async def test_csv_export_has_one_properly_quoted_row_per_project(client, portfolio_flow) -> None:
    pid = portfolio_flow["portfolio"]["id"]
    response = await client.get(f"{PREFIX}/portfolios/{pid}/report.csv", headers=VIEWER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["code"] for r in rows) == ["CRM", "ERP", "IDEA"]
    crm = next(r for r in rows if r["code"] == "CRM")
    assert crm["name"] == '\'=HYPERLINK("x")'  # quoted by CSV, and not a live formula
    erp = next(r for r in rows if r["code"] == "ERP")
    assert (erp["ev"], erp["spi"], erp["escalated_risks"]) == ("40000.00", "0.8", "1")


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        if tag == "script":
            raise AssertionError(f"user text was not escaped: <{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_html_board_report_has_the_two_charts_and_escapes_user_text(client, portfolio_flow) -> None:
    pid = portfolio_flow["portfolio"]["id"]
    response = await client.get(f"{PREFIX}/portfolios/{pid}/report.html", headers=VIEWER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    parser = _Images()
    parser.feed(response.text)
    assert len(parser.images) == 2
    for src in parser.images:
        prefix = "data:image/svg+xml;base64,"
        assert src.startswith(prefix)
        svg = ElementTree.fromstring(base64.b64decode(src[len(prefix) :], validate=True))
        assert svg.tag.endswith("svg")
    text = "".join(parser.text)
    assert "Board <Portfolio> & Co" in text and "ERP <script>alert(1)</script>" in text
    assert "Vendor <b>late</b>" in text  # the top risk's title, shown as text


async def test_rebuild_is_admin_only_and_restores_the_same_dashboard(client, portfolio_flow) -> None:
    pid = portfolio_flow["portfolio"]["id"]
    url = f"{PREFIX}/portfolios/{pid}/dashboard"
    before = (await client.get(url, headers=ADMIN)).json()
    past_before = (await client.get(f"{url}?as_of=2025-05-31", headers=ADMIN)).json()
    assert (await client.post(f"{PREFIX}/admin/rebuild", headers=auth("pmo", "pmo"))).status_code == 403
    response = await client.post(f"{PREFIX}/admin/rebuild", headers=ADMIN)
    assert response.status_code == 202
    result = response.json()
    assert result["deleted_rows"]["rm_projects"] == 3 and result["deleted_rows"]["inbox"] > 0
    assert "status_reports" in result["kept"]

    async def rebuilt() -> dict | None:
        r = await client.get(url, headers=ADMIN)
        return r.json() if r.status_code == 200 and r.json() == before else None

    await eventually(rebuilt)
    assert (await client.get(f"{url}?as_of=2025-05-31", headers=ADMIN)).json() == past_before


async def test_the_first_dashboards_after_a_start_compile_no_statement(app, client, feed) -> None:
    """The first dashboard after a start paid for compiling its statements (157 ms against 80-90 ms
    for the next ones over 5,000 projects, issue #17); the service compiles them at startup: a
    portfolio's and a programme's, today's and a past date's."""
    portfolio_id, programme_id = str(uuid.uuid4()), str(uuid.uuid4())
    await feed.publish(PortfolioCreated, {"id": portfolio_id, "version": 1, "name": "P", "currency": "EUR"}
                       | {"budget": "1000.00"})  # fmt: skip
    await feed.publish(ProgrammeCreated, {"id": programme_id, "version": 1, "portfolio_id": portfolio_id}
                       | {"code": "PG", "name": "Programme"})  # fmt: skip
    project = feed.project_data(portfolio_id, stage="in_progress", programme_id=programme_id)
    await feed.publish(ProjectCreated, project)
    month = datetime.now(UTC).strftime("%Y-%m")
    await feed.demand(project["id"], 1, [{"role": "dev", "period": month, "hours": 40}])
    await eventually(lambda: _arrived(app, project["id"], programme_id))
    compiled: list[str] = []

    def after_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if context is not None and context.cache_hit == CACHE_MISS:
            compiled.append(statement)

    engines = {app.state.db.read_engine.sync_engine, app.state.db.engine.sync_engine}
    for engine in engines:
        event.listen(engine, "after_cursor_execute", after_execute)
    try:
        for url in (
            f"{PREFIX}/portfolios/{portfolio_id}/dashboard",
            f"{PREFIX}/programmes/{programme_id}/dashboard",
        ):
            # Today's (the roles in use, their capacity), then a past date's (from the timelines).
            board = (await client.get(url, headers=VIEWER)).json()
            assert board["projects"]["total"] == 1
            assert board["capacity"]["utilisation_by_role"] == {"dev": None}
            past = await client.get(f"{url}?as_of=2025-06-30", headers=VIEWER)
            assert past.status_code == 200 and past.json()["as_of"] == "2025-06-30"
    finally:
        for engine in engines:
            event.remove(engine, "after_cursor_execute", after_execute)
    assert compiled == []


async def _arrived(app, project_id: str, programme_id: str) -> bool:
    async with app.state.db.sessionmaker() as session:
        demand = await session.scalar(
            select(func.count()).where(DemandCell.project_id == uuid.UUID(project_id))
        )
        return bool(demand) and await session.get(ProgrammeView, uuid.UUID(programme_id)) is not None


async def test_a_dashboard_computed_again_after_a_write_reuses_its_statement(
    client, portfolio_flow, make_report
) -> None:
    """Under writes a dashboard is computed again at each new data version with the same portfolio,
    date and targets: its statement is built once (building it was most of an uncached dashboard's
    Python), and the figures are those of the new data."""
    url = f"{PREFIX}/portfolios/{portfolio_flow['portfolio']['id']}/dashboard?as_of=2025-07-31"
    before = (await client.get(url, headers=VIEWER)).json()
    built = dashboard_repository._dashboard_statement.cache_info()
    crm = portfolio_flow["crm"]
    body = make_report(
        date(2025, 7, 31),
        overall="red",
        planned_value="90000.00",
        earned_value="70000.00",
        actual_cost="80000.00",
    )
    assert (
        await client.post(f"{PREFIX}/projects/{crm['id']}/status-reports", json=body, headers=ADMIN)
    ).status_code == 201
    after = (await client.get(url, headers=VIEWER)).json()
    reused = dashboard_repository._dashboard_statement.cache_info()
    assert (reused.hits, reused.misses) == (built.hits + 1, built.misses)
    assert after["evm"] != before["evm"]
    assert after["projects"]["by_rag"] != before["projects"]["by_rag"]

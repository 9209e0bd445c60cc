"""Read models from real JetStream events: newest version wins, duplicates and reordering change
nothing, deleted aggregates stay deleted."""

from __future__ import annotations

from pmo_common.contracts.events import (
    PortfolioUpdated,
    ProjectCreated,
    ProjectDeleted,
    ProjectUpdated,
    RiskClosed,
    RiskUpdated,
)
from pmo_common.events.outbox import build_envelope
from pmo_common.testing.harness import auth, eventually, publish_envelope

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")


async def test_project_versions_applied_newest_wins_despite_reorder_and_duplicates(
    client, feed, make_report
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], budget="100000.00")
    url = f"{PREFIX}/projects/{project['id']}/evm?as_of=2025-12-31"
    v3 = project | {"version": 3, "budget": "300000.00"}
    await feed.publish(ProjectUpdated, v3)
    await feed.publish(ProjectUpdated, project | {"version": 2, "budget": "200000.00"})
    await feed.publish(ProjectUpdated, v3)  # a redelivery under a new event id

    async def bac() -> str | None:
        value = (await client.get(url, headers=ADMIN)).json()["bac"]
        return value if value == "300000.00" else None

    await eventually(bac)
    # A later marker event proves the older version 2 was consumed before it, and ignored.
    marker = await feed.project(portfolio["id"], code="P-2")
    await eventually(lambda: _ok(client, f"{PREFIX}/projects/{marker['id']}/evm"))
    assert (await client.get(url, headers=ADMIN)).json()["bac"] == "300000.00"


async def test_a_deleted_project_is_not_resurrected_by_an_older_update(client, feed) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"])
    await feed.publish(ProjectDeleted, project | {"version": 3, "deleted": True})
    await eventually(lambda: _status(client, f"{PREFIX}/projects/{project['id']}/evm", 404))
    await feed.publish(ProjectUpdated, project | {"version": 2, "name": "Zombie"})
    marker = await feed.project(portfolio["id"], code="P-2")
    await eventually(lambda: _ok(client, f"{PREFIX}/projects/{marker['id']}/evm"))
    assert (await client.get(f"{PREFIX}/projects/{project['id']}/evm", headers=ADMIN)).status_code == 404
    board = (await client.get(f"{PREFIX}/portfolios/{portfolio['id']}/dashboard", headers=ADMIN)).json()
    assert board["projects"]["total"] == 1


async def test_risks_follow_newest_version_and_closing_removes_them_from_open(client, feed) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"])
    risk = await feed.risk(portfolio["id"], project["id"])
    await feed.publish(RiskClosed, risk | {"version": 3, "status": "closed"})
    await feed.publish(RiskUpdated, risk | {"version": 2, "score": 20, "escalated": True})
    await feed.publish(RiskClosed, risk | {"version": 3, "status": "closed"})
    other = await feed.risk(
        portfolio["id"], project["id"], title="Key person leaves", score=6, level="medium"
    )

    async def risks() -> dict | None:  # `other` was published last: once it shows, all were applied
        board = (await client.get(f"{PREFIX}/portfolios/{portfolio['id']}/dashboard", headers=ADMIN)).json()
        ids = [r["id"] for r in board["risks"]["top"]]
        return board["risks"] if other["id"] in ids else None

    summary = await eventually(risks)
    assert summary["open"] == 1 and summary["escalated"] == 0
    assert [r["id"] for r in summary["top"]] == [other["id"]]


async def test_an_event_of_an_unknown_subject_is_acknowledged_and_counted_as_ignored(
    client, feed, nats_server
) -> None:
    portfolio = await feed.portfolio()
    # A project event the portfolio service might add later: reporting has no handler for it.
    known = build_envelope(ProjectCreated.model_validate({"data": feed.project_data(portfolio["id"])}))
    subject = "pmo.portfolio.project.archived"
    await publish_envelope(nats_server.url, subject, known.model_copy(update={"type": f"{subject}.v1"}))
    marker = await feed.project(portfolio["id"], code="P-2")  # published after it, on the same consumer
    assert (await client.get(f"{PREFIX}/projects/{marker['id']}/evm", headers=ADMIN)).status_code == 200

    async def counted() -> dict[str, float] | None:
        text = (await client.get("/metrics")).text
        results = {
            line.split('result="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("pmo_events_consumed_total{") and f'subject="{subject}"' in line
        }
        return results or None

    assert await eventually(counted) == {"ignored": 1.0}
    assert (await client.get(f"{PREFIX}/projects/{known.subject}/evm", headers=ADMIN)).status_code == 404


async def test_a_portfolio_change_reaches_its_cached_dashboard(client, feed) -> None:
    portfolio = await feed.portfolio(currency="EUR")  # its dashboard is now cached
    url = f"{PREFIX}/portfolios/{portfolio['id']}/dashboard"
    assert (await client.get(url, headers=ADMIN)).json()["currency"] == "EUR"
    await feed.publish(PortfolioUpdated, portfolio | {"version": 2, "currency": "USD"})

    async def currency() -> str | None:
        value = (await client.get(url, headers=ADMIN)).json()["currency"]
        return value if value == "USD" else None

    assert await eventually(currency) == "USD"


async def test_moving_a_project_refreshes_the_cached_dashboards_of_both_portfolios(client, feed) -> None:
    source, target = await feed.portfolio(), await feed.portfolio(name="Target")
    project = await feed.project(source["id"])

    async def totals() -> tuple[int, int]:
        boards = [
            (await client.get(f"{PREFIX}/portfolios/{p['id']}/dashboard", headers=ADMIN)).json()
            for p in (source, target)
        ]
        return boards[0]["projects"]["total"], boards[1]["projects"]["total"]

    assert await totals() == (1, 0)  # both cached now
    await feed.publish(ProjectUpdated, project | {"version": 2, "portfolio_id": target["id"]})

    async def moved() -> bool:
        return await totals() == (0, 1)

    await eventually(moved)


async def _ok(client, path: str) -> bool:
    return (await client.get(path, headers=ADMIN)).status_code == 200


async def _status(client, path: str, status: int) -> bool:
    return (await client.get(path, headers=ADMIN)).status_code == status

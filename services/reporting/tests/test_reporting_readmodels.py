"""Read models from real JetStream events: newest version wins, duplicates and reordering change
nothing, deleted aggregates stay deleted."""

from __future__ import annotations

from pmo_common.contracts.events import ProjectDeleted, ProjectUpdated, RiskClosed, RiskUpdated
from pmo_common.testing.harness import auth, eventually

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


async def _ok(client, path: str) -> bool:
    return (await client.get(path, headers=ADMIN)).status_code == 200


async def _status(client, path: str, status: int) -> bool:
    return (await client.get(path, headers=ADMIN)).status_code == status

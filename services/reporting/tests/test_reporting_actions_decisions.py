"""Open and overdue actions and the latest decisions on the dashboard and in the board report
(contract §7.8), from `pmo.portfolio.action.*` and `pmo.portfolio.decision.recorded`: counted as of
a date from each action's creation, closing and deletion; idempotent under redelivery; rebuilt by
`POST /admin/rebuild`."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from pmo_common.contracts.events import ActionCreated, ActionOverdue, ActionUpdated, DecisionRecorded
from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
TODAY = datetime.now(UTC).date()


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def at(offset: int) -> str:
    return datetime.combine(day(offset), time(12), tzinfo=UTC).isoformat()


def action(portfolio_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "version": 1,
        "portfolio_id": portfolio_id,
        "project_id": None,
        "title": "Sign the vendor contract",
        "owner": "olga",
        "due_date": None,
        "status": "open",
    } | overrides


def decision(portfolio_id: str, sequence: int, decided: int, **overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "version": 1,
        "portfolio_id": portfolio_id,
        "kind": "gate",
        "title": f"Decision {sequence}",
        "decided_by": "board",
        "decided_at": at(decided),
        "sequence": sequence,
        "previous_hash": "0" * 64,
        "hash": f"{sequence:064x}",
    } | overrides


async def board(client: httpx.AsyncClient, portfolio_id: str, as_of: date | None = None) -> dict[str, Any]:
    query = "" if as_of is None else f"?as_of={as_of.isoformat()}"
    response = await client.get(f"{PREFIX}/portfolios/{portfolio_id}/dashboard{query}", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def settled(client: httpx.AsyncClient, portfolio_id: str, key: str, expected: Any) -> None:
    async def shows() -> bool:
        return (await board(client, portfolio_id))[key] == expected

    await eventually(shows, timeout=15)


async def register(feed: Any, pid: str) -> dict[str, dict[str, Any]]:
    """A: open, due later, created today. B: in progress, due 10 days ago, created 15 days ago.
    C: done yesterday, due 20 days ago. D: cancelled 10 days ago, due 11 days ago. E: open and
    overdue since 4 days ago, deleted today. Plus an overdue action of another portfolio."""
    actions = {
        "A": action(pid, due_date=str(day(5))),
        "B": action(pid, status="in_progress", due_date=str(day(-10)), created_at=at(-15)),
        "C": action(pid, status="done", due_date=str(day(-20)), created_at=at(-30), closed_at=at(-1)),
        "D": action(pid, status="cancelled", due_date=str(day(-11)), created_at=at(-30), closed_at=at(-10)),
        "E": action(pid, due_date=str(day(-4)), created_at=at(-5)),
    }
    for data in actions.values():
        await feed.publish(ActionCreated, data)
    await feed.publish(ActionOverdue, actions["B"] | {"version": 2, "overdue": True})
    await feed.publish(ActionUpdated, actions["E"] | {"version": 2, "deleted": True})
    other = await feed.portfolio()
    await feed.publish(ActionCreated, action(other["id"], due_date=str(day(-3))))
    return actions


async def test_dashboard_counts_open_and_overdue_actions_now_and_as_of_past_dates(
    client: httpx.AsyncClient, feed: Any
) -> None:
    portfolio = await feed.portfolio()
    pid = portfolio["id"]
    assert (await board(client, pid))["actions"] == {"open": 0, "overdue": 0}
    await register(feed, pid)
    await settled(client, pid, "actions", {"open": 2, "overdue": 1})  # A and B; B overdue
    # Three days ago B, C and E were open (E not yet deleted, C not yet done) and all overdue;
    # A did not exist, D was cancelled.
    assert (await board(client, pid, day(-3)))["actions"] == {"open": 3, "overdue": 3}
    # Twelve days ago: B (due in two days), C (overdue) and D (not yet cancelled, due the next day).
    assert (await board(client, pid, day(-12)))["actions"] == {"open": 3, "overdue": 1}
    assert (await board(client, pid, day(-40)))["actions"] == {"open": 0, "overdue": 0}


async def test_redelivered_and_late_action_events_change_nothing(
    client: httpx.AsyncClient, feed: Any
) -> None:
    portfolio = await feed.portfolio()
    pid = portfolio["id"]
    first = action(pid, due_date=str(day(-2)), created_at=at(-3))
    await feed.publish(ActionCreated, first)
    await settled(client, pid, "actions", {"open": 1, "overdue": 1})
    done = first | {"version": 2, "status": "done", "closed_at": at(0)}
    await feed.publish(ActionUpdated, done)
    await settled(client, pid, "actions", {"open": 0, "overdue": 0})
    for _ in range(2):  # the older version again, then the newest again: neither reopens it
        await feed.publish(ActionCreated, first)
        await feed.publish(ActionUpdated, done)
    marker = action(pid)  # published last: once it shows, the redeliveries were applied
    await feed.publish(ActionCreated, marker)
    await settled(client, pid, "actions", {"open": 1, "overdue": 0})
    assert (await board(client, pid, day(-1)))["actions"] == {"open": 1, "overdue": 1}


async def test_dashboard_shows_the_five_latest_decisions_as_of_the_date(
    client: httpx.AsyncClient, feed: Any
) -> None:
    portfolio = await feed.portfolio()
    pid = portfolio["id"]
    entries = [decision(pid, n, decided=-10 + n) for n in range(1, 8)]  # decided 9 … 3 days ago
    for entry in entries:
        await feed.publish(DecisionRecorded, entry)
    await feed.publish(DecisionRecorded, entries[-1])  # redelivered
    await feed.publish(DecisionRecorded, decision(str(uuid.uuid4()), 1, decided=0))  # elsewhere

    async def seven() -> bool:
        return [d["sequence"] for d in (await board(client, pid))["decisions"]["latest"]] == [7, 6, 5, 4, 3]

    await eventually(seven, timeout=15)
    latest = (await board(client, pid))["decisions"]["latest"][0]
    assert {k: latest[k] for k in ("title", "kind", "decided_by", "sequence")} == {
        "title": "Decision 7",
        "kind": "gate",
        "decided_by": "board",
        "sequence": 7,
    }
    assert datetime.fromisoformat(latest["decided_at"]) == datetime.fromisoformat(at(-3))
    past = (await board(client, pid, day(-6)))["decisions"]["latest"]  # entries 1-4 decided by then
    assert [d["sequence"] for d in past] == [4, 3, 2, 1]
    assert (await board(client, pid, day(-20)))["decisions"]["latest"] == []


async def test_board_report_lists_overdue_actions_and_recent_decisions_escaped(
    client: httpx.AsyncClient, feed: Any
) -> None:
    portfolio = await feed.portfolio()
    pid = portfolio["id"]
    hostile = '<script>alert(1)</script> =HYPERLINK("x") & co'
    await feed.publish(ActionCreated, action(pid, title=hostile, owner="<b>o</b>", due_date=str(day(-7))))
    await feed.publish(ActionCreated, action(pid, title="Not due yet", due_date=str(day(7))))
    await feed.publish(DecisionRecorded, decision(pid, 1, decided=-2, title="<img src=x onerror=alert(1)>"))
    await settled(client, pid, "actions", {"open": 2, "overdue": 1})
    await settled(client, pid, "decisions", {"latest": [await _first_decision(client, pid)]})
    response = await client.get(f"{PREFIX}/portfolios/{pid}/report.html", headers=ADMIN)
    assert response.status_code == 200
    html = response.text
    assert "<h2>Overdue actions (1 of 2 open)</h2>" in html
    actions_table = html.split('<table class="overdue-actions">')[1].split("</table>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&quot;x&quot;) &amp; co" in actions_table
    assert (
        "&lt;b&gt;o&lt;/b&gt;" in actions_table
        and f"<td>{day(-7).isoformat()}</td><td>7</td>" in actions_table
    )
    assert "Not due yet" not in actions_table
    assert "<h2>Recent decisions</h2>" in html
    decisions_table = html.split('<table class="recent-decisions">')[1].split("</table>")[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in decisions_table and day(-2).isoformat() in decisions_table
    assert "<script>" not in html and "<img src=x" not in html
    empty = await feed.portfolio()
    html = (await client.get(f"{PREFIX}/portfolios/{empty['id']}/report.html", headers=ADMIN)).text
    assert "No overdue actions." in html and "No decisions recorded." in html


async def _first_decision(client: httpx.AsyncClient, pid: str) -> Any:
    async def one() -> Any:
        latest = (await board(client, pid))["decisions"]["latest"]
        return latest[0] if latest else None

    return await eventually(one, timeout=15)


async def test_rebuild_drops_and_replays_actions_and_decisions(client: httpx.AsyncClient, feed: Any) -> None:
    portfolio = await feed.portfolio()
    pid = portfolio["id"]
    await register(feed, pid)
    for n in (1, 2):
        await feed.publish(DecisionRecorded, decision(pid, n, decided=-n))
    await settled(client, pid, "actions", {"open": 2, "overdue": 1})

    async def two_decisions() -> bool:
        return len((await board(client, pid))["decisions"]["latest"]) == 2

    await eventually(two_decisions, timeout=15)
    before = {as_of: await board(client, pid, as_of) for as_of in (None, day(-3), day(-12))}
    response = await client.post(f"{PREFIX}/admin/rebuild", headers=ADMIN)
    assert response.status_code == 202
    deleted = response.json()["deleted_rows"]
    assert deleted["rm_actions"] == 6 and deleted["rm_decisions"] == 2

    async def restored() -> bool:
        try:
            return {as_of: await board(client, pid, as_of) for as_of in before} == before
        except AssertionError:  # a 404 while the portfolio is not replayed yet
            return False

    await eventually(restored, timeout=20)

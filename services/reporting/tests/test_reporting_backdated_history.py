"""Back-loaded history: a project created today with a gate decision dated months ago (its
`decided_at`) and status reports dated in past months shows up in the dashboard "as of" those
months and in the KPI series, each figure from the latest report on or before the date."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")


def _month(offset: int) -> tuple[int, int]:
    """(year, month) `offset` months from the current one (negative: the past)."""
    today = datetime.now(UTC).date()
    year, month = divmod(today.year * 12 + today.month - 1 + offset, 12)
    return year, month + 1


def _month_start(offset: int) -> date:
    return date(*_month(offset), 1)


def _month_end(offset: int) -> date:
    year, month = _month(offset)
    return date(year, month, calendar.monthrange(year, month)[1])


async def test_backloaded_project_counts_in_past_dashboards_and_kpis(
    client: httpx.AsyncClient, feed: Any, make_report: Callable[..., dict[str, Any]]
) -> None:
    portfolio = await feed.portfolio()
    pid = portfolio["id"]
    project = await feed.project(
        pid,
        code="MIG",
        budget="120000.00",
        start_date=_month_start(-12).isoformat(),
        finish_date=_month_end(5).isoformat(),
    )
    started = datetime(*_month(-10), 5, 9, tzinfo=UTC)  # the gate decision, back-dated
    await feed.stage(project, "in_progress", started, version=2)

    # Monthly reports for the past nine months, posted today: amber early on, green later.
    for offset in range(-9, 0):
        body = make_report(
            _month_end(offset),
            overall="amber" if offset < -5 else "green",
            percent_complete=5 * (10 + offset),
            actual_cost=f"{6000 * (10 + offset)}.00",
        )
        response = await client.post(
            f"{PREFIX}/projects/{project['id']}/status-reports", json=body, headers=ADMIN
        )
        assert response.status_code == 201, response.text

    past = _month_end(-7)  # after the gate decision; reports for three months by then

    async def past_board() -> dict[str, Any] | None:
        r = await client.get(f"{PREFIX}/portfolios/{pid}/dashboard?as_of={past}", headers=ADMIN)
        board: dict[str, Any] = r.json()
        return board if r.status_code == 200 and board["projects"]["total"] == 1 else None

    board = await eventually(past_board)
    assert board is not None
    assert board["projects"]["by_stage"] == {"in_progress": 1}
    assert board["projects"]["by_rag"] == {"amber": 1}
    assert board["evm"]["spi"] is not None and board["evm"]["cpi"] is not None
    assert board["evm"]["ev"] == "18000.00" and board["evm"]["ac"] == "18000.00"

    first, last = _month_end(-9).strftime("%Y-%m"), _month_end(-1).strftime("%Y-%m")
    response = await client.get(f"{PREFIX}/portfolios/{pid}/kpis?from={first}&to={last}", headers=ADMIN)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 9
    assert all(i["projects"]["total"] == 1 for i in items)
    assert all(i["projects"]["by_stage"] == {"in_progress": 1} for i in items)
    assert [sum(i["projects"]["by_rag"].values()) for i in items] == [1] * 9
    assert [i["projects"]["by_rag"] for i in items][:4] == [{"amber": 1}] * 4
    assert [i["projects"]["by_rag"] for i in items][4:] == [{"green": 1}] * 5
    assert all(i["evm"]["spi"] is not None and i["evm"]["cpi"] is not None for i in items)
    evs = [float(i["evm"]["ev"]) for i in items]
    assert evs == sorted(evs) and evs[0] > 0

"""report.html in a real headless browser (Debian's chromium; `.ci/run` installs it when missing): the
screenshot shows both charts and the tables, and the page asks for nothing — every request the page
itself starts is counted from chromium's net log, with the network shut (a dead proxy, no DNS), and
a control page with one external image proves the count would see one."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import numpy as np
import pytest
from matplotlib import image
from pmo_common.contracts.events import ActionCreated, DecisionRecorded
from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium as root)"
)
WIDTH, HEIGHT = 1280, 2600
PV_BLUE, EV_ORANGE, AC_GREEN = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E), (0x2C, 0xA0, 0x2C)
HEAT_EMPTY, HEAT_FULL = (0xFF, 0xFF, 0xCC), (0x80, 0x00, 0x26)  # YlOrRd's ends
TABLE_HEADER = (0xDD, 0xE6, 0xF3)


class _Pages(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A loopback HTTP server over `tmp_path`, so the page has an origin its own requests carry."""

    def handler(*args: Any) -> _Pages:
        return _Pages(*args, directory=str(tmp_path))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _screenshot(url: str, workdir: Path, name: str) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Chromium with the network shut: every proxied request goes to a closed port, every host name
    fails to resolve; returns the screenshot (RGB, 0-255) and the URL requests of its net log."""
    shot, netlog = workdir / f"{name}.png", workdir / f"{name}-netlog.json"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",  # runs as root in CI
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={workdir / f'{name}-profile'}",
        f"--log-net-log={netlog}",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--screenshot={shot}",
        url,
    ]
    subprocess.run(command, capture_output=True, timeout=180, check=True)
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = [e["params"] for e in log["events"] if e["type"] == start and "url" in e.get("params", {})]
    return (image.imread(shot)[:, :, :3] * 255).round().astype(int), requests


def _near(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 24) -> np.ndarray:
    return (np.abs(pixels - np.array(colour)) <= tolerance).all(axis=2)


def _bands(mask: np.ndarray, min_pixels: int = 150, gap: int = 20) -> int:
    """How many separate horizontal bands have rows of at least `min_pixels` matching pixels (rows
    less than `gap` apart belong to one band: a header's text breaks its colour)."""
    rows = np.nonzero(mask.sum(axis=1) >= min_pixels)[0]
    return 0 if len(rows) == 0 else 1 + int(np.count_nonzero(np.diff(rows) >= gap))


@pytest.fixture
async def report(client: httpx.AsyncClient, feed: Any, make_report: Any) -> str:
    """ERP in progress since January 2025 with monthly reports (EV and AC lines), risks in three
    cells, an overdue action and a decision; returns report.html."""
    portfolio = await feed.portfolio(name="Browser check")
    pid = portfolio["id"]
    erp = await feed.project(
        pid, code="ERP", budget="1200000.00", start_date="2025-01-01", finish_date="2026-12-31"
    )
    await feed.stage(erp, "in_progress", datetime(2025, 1, 10, 12, tzinfo=UTC), version=2)
    for month, percent in ((3, 10), (6, 25), (9, 40), (12, 55)):
        as_of = date(2025, month, 28)
        body = make_report(
            as_of, overall="red", percent_complete=percent, actual_cost=f"{percent * 15000}.00"
        )
        response = await client.post(
            f"{PREFIX}/projects/{erp['id']}/status-reports", json=body, headers=ADMIN
        )
        assert response.status_code == 201, response.text
    for probability, impact in ((5, 5), (3, 2), (1, 4)):
        await feed.risk(pid, erp["id"], probability=probability, impact=impact, score=probability * impact)
    await feed.publish(
        ActionCreated,
        {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": pid, "title": "Overdue thing"}
        | {"status": "open", "due_date": "2025-01-01"},
    )
    await feed.publish(
        DecisionRecorded,
        {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": pid, "kind": "gate", "title": "Go"}
        | {"decided_by": "board", "decided_at": "2025-01-10T12:00:00+00:00", "sequence": 1}
        | {"previous_hash": "0" * 64, "hash": "b" * 64},
    )

    async def settled() -> str | None:
        board = (await client.get(f"{PREFIX}/portfolios/{pid}/dashboard", headers=ADMIN)).json()
        done = (
            board["risks"]["open"] == 3 and board["actions"]["overdue"] == 1 and board["decisions"]["latest"]
        )
        if not done or board["projects"]["by_stage"] != {"in_progress": 1}:
            return None
        return (await client.get(f"{PREFIX}/portfolios/{pid}/report.html", headers=ADMIN)).text

    return await eventually(settled, timeout=30)


async def test_the_board_report_renders_its_charts_and_tables_without_a_request(
    report: str, served: tuple[Path, str]
) -> None:
    workdir, origin = served
    (workdir / "report.html").write_text(report, encoding="utf-8")
    pixels, requests = await anyio.to_thread.run_sync(_screenshot, f"{origin}/report.html", workdir, "report")
    # The page's own requests carry its origin as initiator: there must be none (the charts are
    # inline data: URIs, the style inline). Chromium's own background calls carry none and all
    # failed at the dead proxy.
    assert [r["url"] for r in requests if r.get("initiator") == origin] == []
    assert any(r["url"] == f"{origin}/report.html" for r in requests)
    # The S-curve: PV (blue, dashed), EV (orange) and AC (green) lines are drawn.
    for name, colour in (("PV", PV_BLUE), ("EV", EV_ORANGE), ("AC", AC_GREEN)):
        assert _near(pixels, colour).sum() > 150, name
    # The heat map: empty cells (pale yellow) and the one full cell (dark red).
    assert _near(pixels, HEAT_EMPTY, 8).sum() > 20_000 and _near(pixels, HEAT_FULL).sum() > 2_000
    # The tables: attention, top risks, overdue actions, recent decisions, each under a header band.
    assert _bands(_near(pixels, TABLE_HEADER, 6)) == 4
    dark = (pixels < 100).all(axis=2)
    below_charts = dark[int(np.argmax(_near(pixels, TABLE_HEADER, 6).sum(axis=1) >= 200)) :]
    assert _bands(below_charts, 3, gap=2) >= 10  # lines of table text


async def test_the_request_count_would_see_an_external_image(served: tuple[Path, str]) -> None:
    """The control: a page with one external image is caught (and its request fails, offline)."""
    workdir, origin = served
    (workdir / "control.html").write_text(
        '<link rel="icon" href="data:,"><img src="http://example.com/logo.png">', encoding="utf-8"
    )
    _, requests = await anyio.to_thread.run_sync(_screenshot, f"{origin}/control.html", workdir, "control")
    assert [r["url"] for r in requests if r.get("initiator") == origin] == ["http://example.com/logo.png"]

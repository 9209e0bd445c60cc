"""The board pack for a large portfolio: report.xlsx and report.pdf against report.csv for the same
data in the same run — the time over HTTP (the reporting service, uvicorn, 1 worker) and the peak
memory of producing each one in a fresh process (its growth of the peak RSS, and the Python heap's
peak under tracemalloc), each as a ratio to the CSV's.

The portfolio is the dashboard section's (`bench.dashboard`: projects with custom fields and tags,
risks, 24 months of status reports), seeded the same way.

    python -m bench --only boardpack            # 5,000 projects
    python -m bench.boardpack probe URL ID KIND  # one export in this process, its figures as JSON
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import TEST_JWT_SECRET, auth
from pmo_common.testing.stack import Stack

from bench.common import Row
from bench.dashboard import _seed

KINDS = ("csv", "xlsx", "pdf")
RUNS = 3
XLSX_MEMORY_TARGET_MIB = 256


async def _export(database_url: str, portfolio_id: str, kind: str) -> int:
    from pmo_common.db import Database
    from pmo_reporting.dashboards import board
    from pmo_reporting.logic.periods import today
    from pmo_reporting.readmodels.models import PortfolioView

    db = Database(database_url)
    try:
        async with db.sessionmaker() as session:
            portfolio = await session.get(PortfolioView, uuid.UUID(portfolio_id))
            assert portfolio is not None, portfolio_id
            export = {"csv": board.report_csv, "xlsx": board.report_xlsx, "pdf": board.report_pdf}[kind]
            return len(await export(session, portfolio, today()))
    finally:
        await db.dispose()


async def _touch(database_url: str, portfolio_id: str) -> None:
    """Open the database and read the portfolio: connections and the ORM warmed, nothing exported."""
    from pmo_common.db import Database
    from pmo_reporting.readmodels.models import PortfolioView

    db = Database(database_url)
    try:
        async with db.sessionmaker() as session:
            await session.get(PortfolioView, uuid.UUID(portfolio_id))
    finally:
        await db.dispose()


def probe(database_url: str, portfolio_id: str, kind: str) -> dict[str, float]:
    """One export, measured in a fresh process: the peak RSS it adds to the process as it stands with
    everything imported and the database opened (so only the export's own memory counts), then the
    Python heap's peak under tracemalloc in a second run."""
    import pmo_reporting.dashboards.board  # noqa: F401 - matplotlib, openpyxl, babel loaded before measuring

    asyncio.run(_touch(database_url, portfolio_id))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = asyncio.run(_export(database_url, portfolio_id, kind))
    seconds = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    tracemalloc.start()
    asyncio.run(_export(database_url, portfolio_id, kind))
    heap = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"bytes": size, "seconds": seconds, "rss_growth_mib": grown / 1024, "heap_peak_mib": heap / 2**20}


def _get_ms(url: str, headers: dict[str, str]) -> float:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=900) as response:  # noqa: S310 - local
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return (time.perf_counter() - started) * 1000


def _probe_in_subprocess(database_url: str, portfolio_id: str, kind: str) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.boardpack", "probe", database_url, portfolio_id, kind]
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False, cwd=root)
    if done.returncode != 0:
        raise RuntimeError(f"probe {kind} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rows(size: str, times: dict[str, float], probes: dict[str, dict[str, float]]) -> list[Row]:
    rows = [Row("boardpack", f"report.csv over HTTP, median of {RUNS} ({size})", times["csv"], "ms")]
    for kind in ("xlsx", "pdf"):
        rows.append(
            Row(
                "boardpack",
                f"report.{kind} over HTTP, median of {RUNS}",
                times[kind],
                "ms",
                times["csv"],
                "report.csv",
            )
        )
    for kind in KINDS:
        figures, floor = probes[kind], probes["csv"]
        mib = f"{figures['bytes'] / 2**20:.1f} MiB out"
        peak = Row(
            "boardpack",
            f"report.{kind} peak RSS growth, own process ({mib})",
            figures["rss_growth_mib"],
            "MiB",
            None if kind == "csv" else floor["rss_growth_mib"],
            "" if kind == "csv" else "report.csv",
        )
        if kind == "xlsx":
            peak.target = f"< {XLSX_MEMORY_TARGET_MIB} MiB (write-only)"
            peak.met = figures["rss_growth_mib"] < XLSX_MEMORY_TARGET_MIB
        heap = Row(
            "boardpack",
            f"report.{kind} Python heap peak (tracemalloc)",
            figures["heap_peak_mib"],
            "MiB",
            None if kind == "csv" else floor["heap_peak_mib"],
            "" if kind == "csv" else "report.csv",
        )
        rows += [peak, heap]
    return rows


def boardpack_section(
    workdir: Path, projects: int, risks: int, *, risk_events: int = 2000, database_url: str | None = None
) -> list[Row]:
    nats_server = NatsServer(workdir / "nats-boardpack").start()
    stack = Stack(
        workdir / "boardpack",
        nats_server.url,
        TEST_JWT_SECRET,
        database_urls={"reporting": database_url} if database_url else {},
    )
    stack.add("reporting")
    headers = auth("bench", "viewer")
    today = datetime.now(UTC).date()
    try:
        stack.start("reporting")
        service = stack["reporting"]
        url = service.env["PMO_DATABASE_URL"]
        portfolio_id, _ = asyncio.run(_seed(nats_server.url, url, projects, risks, risk_events, today))
        base = f"{service.api}/portfolios/{portfolio_id}"
        times = {
            kind: statistics.median(_get_ms(f"{base}/report.{kind}", headers) for _ in range(RUNS))
            for kind in KINDS
        }
        probes = {kind: _probe_in_subprocess(url, str(portfolio_id), kind) for kind in KINDS}
    finally:
        stack.stop()
        nats_server.stop()
    return _rows(f"{projects:,} projects, {risks:,} risks", times, probes)


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] != "probe" or argv[3] not in KINDS:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(probe(*argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

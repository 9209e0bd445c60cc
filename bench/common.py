"""What every benchmark section shares: result rows, the processes it starts, timing helpers, and
the database its services run on (`PMO_BENCH_DATABASE_URL`)."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pmo_common.natsserver import free_port
from pmo_common.testing.harness import create_postgres_database, drop_postgres_database
from pmo_common.testing.stack import Stack

DATABASE_ENV = "PMO_BENCH_DATABASE_URL"
SERVICE_SECTIONS = frozenset({"http", "events", "dashboard", "governance", "boardpack", "mixed", "webhooks"})
"""The sections that start services (through `Stack`): these run on PostgreSQL with DATABASE_ENV set.
`imports` is not one: it measures both databases itself."""


@dataclass
class Row:
    section: str
    figure: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor == 0:
            return None
        return self.value / self.floor

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class FloorApp:
    """The bare FastAPI floor under uvicorn, with the same worker count as the service."""

    def __init__(self, log: Path, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log = log
        self.workers = workers
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FloorApp:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "bench.floor_app:create_app",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
            )
        wait_http(self.url + "/healthz")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(15)


def database_name() -> str:
    return "PostgreSQL" if os.environ.get(DATABASE_ENV) else "SQLite"


@contextmanager
def section_databases() -> Iterator[None]:
    """With DATABASE_ENV set (a server's URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres),
    every service a `Stack` adds meanwhile gets a fresh database on that server, dropped on the way out
    (after the section has stopped its services, or failed)."""
    admin = os.environ.get(DATABASE_ENV)
    if not admin:
        yield
        return
    created: list[str] = []

    def fresh(service: str) -> str:
        # Stack.add is called from the sections' synchronous code, outside any event loop.
        created.append(asyncio.run(create_postgres_database(admin)))
        return created[-1]

    Stack.default_database = fresh
    try:
        yield
    finally:
        Stack.default_database = None
        for url in created:
            asyncio.run(drop_postgres_database(url))


def run_section(name: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """One section's rows; a section that starts services runs them on the bench's database and
    every one of its figures says which."""
    if name not in SERVICE_SECTIONS:
        return measure()
    with section_databases():
        rows = measure()
    for row in rows:
        row.figure += f" [{database_name()}]"
    return rows

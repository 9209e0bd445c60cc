"""Fault injection on the database: a private PostgreSQL server is stopped in the middle of work and
started again. Acknowledged writes are kept, writes during the outage are refused with 503 (never a
500, never a silent loss), /readyz names the database while it is down and recovers without a
restart, and every acknowledged write's event is delivered exactly once."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from pmo_common.natsserver import free_port, port_open
from pmo_common.testing.harness import auth, eventually, running, service_settings
from pmo_portfolio.main import create_app

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
URL = "/portfolio/v1/portfolios"
BODY = {"name": "Resilient", "currency": "EUR", "budget": "10.00"}


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port, owned by the `postgres` user."""

    def __init__(self, root: Path) -> None:
        self.bin = Path(PG_BIN[-1])
        self.data = root / "pgdata"
        self.port = free_port()
        self.root = root

    def _as_postgres(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        return self

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def private_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    if not PG_BIN:
        pytest.skip("PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin)")
    root = Path("/tmp") / f"pmo-pg-{os.getpid()}-{time.monotonic_ns()}"
    server = PrivatePostgres(root).init()
    server.start()
    try:
        yield server
    finally:
        if port_open("127.0.0.1", server.port):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


async def test_a_database_outage_refuses_writes_cleanly_and_recovers_without_restart(
    private_postgres, nats_server
):
    settings = service_settings("portfolio", private_postgres.url, nats_server.url)
    acknowledged: list[str] = []
    async with running(create_app(settings)) as client:
        await eventually(lambda: _ready(client))
        for i in range(20):
            r = await client.post(URL, json={**BODY, "name": f"before {i}"}, headers=auth())
            assert r.status_code == 201
            acknowledged.append(r.json()["id"])
        private_postgres.stop()

        async def database_reported_down() -> bool:
            r = await client.get("/readyz")
            return r.status_code == 503 and r.json()["checks"]["database"]["ok"] is False

        await eventually(database_reported_down, timeout=15)
        refused = await client.post(URL, json={**BODY, "name": "during"}, headers=auth())
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["retry-after"]
        private_postgres.start()
        await eventually(lambda: _ready(client), timeout=30)
        for i in range(5):
            r = await client.post(URL, json={**BODY, "name": f"after {i}"}, headers=auth())
            assert r.status_code == 201
            acknowledged.append(r.json()["id"])
        listed: list[str] = []
        cursor = None
        while True:
            page = (
                await client.get(
                    URL, headers=auth(), params={"limit": 500, **({"cursor": cursor} if cursor else {})}
                )
            ).json()
            listed += [p["id"] for p in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(listed) == sorted(acknowledged)
        delivered = await _created_subjects(nats_server.url, len(acknowledged))
    assert sorted(delivered) == sorted(acknowledged)


async def _ready(client) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def _created_subjects(url: str, expected: int) -> list[str]:
    nc = await nats.connect(url)
    try:
        sub = await nc.jetstream().pull_subscribe(
            "pmo.portfolio.portfolio.created", durable="faults", stream="PORTFOLIO"
        )
        seen: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                msgs = await sub.fetch(100, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                if len(seen) >= expected:
                    break
                continue
            for m in msgs:
                seen.append(json.loads(m.data)["subject"])
                await m.ack()
        return seen
    finally:
        await nc.close()

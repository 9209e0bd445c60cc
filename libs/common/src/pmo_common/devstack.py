"""`make run`: the whole platform on one machine.

Starts a nats-server from the wheel (JetStream, data under ./var/nats) unless PMO_NATS_URL is set,
migrates and starts the four services on 8001–8004 as uvicorn processes, waits until each answers
/readyz, prints the URLs and a ready-to-use admin token, and stops everything cleanly on Ctrl-C or
SIGTERM. With PMO_DATABASE_URL naming a PostgreSQL database `X`, each service gets its own
database `X_<service>` (created when missing), since no service reads another's tables.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from pmo_common.auth import make_token
from pmo_common.db import maintenance_connection
from pmo_common.natsserver import NatsServer, port_open
from pmo_common.settings import Settings

SERVICES = {"portfolio": 8001, "risk": 8002, "resource": 8003, "reporting": 8004}
PREFIX = {
    "portfolio": "/portfolio/v1",
    "risk": "/risk/v1",
    "resource": "/resource/v1",
    "reporting": "/reporting/v1",
}


def service_database_urls() -> dict[str, str]:
    """With a PostgreSQL PMO_DATABASE_URL naming database X: X_<service> per service, created if missing."""
    base = os.environ.get("PMO_DATABASE_URL")
    if not base:
        return {}
    from sqlalchemy.engine import make_url

    url = make_url(base)
    if url.get_backend_name() != "postgresql":
        print("PMO_DATABASE_URL is not PostgreSQL: each service keeps its own SQLite file under ./var/")
        return {}
    urls = {}

    async def ensure(name: str) -> None:
        conn = await maintenance_connection(base)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    for service in SERVICES:
        name = f"{url.database or 'pmo'}_{service}"
        asyncio.run(ensure(name))
        urls[service] = url.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    return urls


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except Exception:
        return False


def _broker(var: Path) -> tuple[str, NatsServer | None]:
    """PMO_NATS_URL when set; else our own broker from the wheel (nats-server 2.15, sync_interval:
    always), never a system one."""
    nats_url = os.environ.get("PMO_NATS_URL")
    if nats_url:
        parsed = urlparse(nats_url.split(",")[0])
        if not port_open(parsed.hostname or "127.0.0.1", parsed.port or 4222):
            print(f"warning: PMO_NATS_URL={nats_url} does not answer yet; the services will keep retrying")
        return nats_url, None
    # 4222 when free; else a picked port, which the server may leave if it is taken before it binds.
    port = 4222 if not port_open("127.0.0.1", 4222) else None
    nats = NatsServer(var / "nats", port, name="pmo-dev").start()
    print(f"nats-server {nats.url} (JetStream data in {var / 'nats'})")
    return nats.url, nats


def _start_service(
    service: str, port: int, host: str, nats_url: str, db_url: str | None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PMO_NATS_URL": nats_url, "PMO_PORT": str(port)}
    if db_url:
        env["PMO_DATABASE_URL"] = db_url
    command = [sys.executable, "-m", "uvicorn", "--factory", f"pmo_{service}.main:create_app"]
    command += ["--host", host, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, env=env)


def _wait_ready(children: dict[str, subprocess.Popen[bytes]], stopping: Callable[[], bool]) -> bool:
    """True when every service answers /readyz within 90 s (False: one exited or timed out)."""
    deadline = time.monotonic() + 90
    pending = set(SERVICES)
    while pending and not stopping() and time.monotonic() < deadline:
        for service in list(pending):
            if children[service].poll() is not None:
                print(f"{service} exited with {children[service].returncode} during start-up")
                return False
            if _ready(SERVICES[service]):
                pending.discard(service)
        time.sleep(0.3)
    if pending and not stopping():
        print(f"not ready after 90 s: {', '.join(sorted(pending))}")
        return False
    return True


def _announce(host: str) -> None:
    secret = Settings().effective_jwt_secret
    print("\nPMO platform is up:")
    for service, port in SERVICES.items():
        print(f"  {service:<10} http://{host}:{port}{PREFIX[service]}   docs: http://{host}:{port}/docs")
    if secret:
        token = make_token("admin@local", ["admin"], secret, ttl_seconds=12 * 3600)
        print(f"\nAdmin token (12 h):\n  export PMO_TOKEN={token}")
        print(f'  curl -H "Authorization: Bearer $PMO_TOKEN" http://{host}:8001/portfolio/v1/portfolios')
    print("\nCtrl-C stops everything.", flush=True)


def _stop(children: dict[str, subprocess.Popen[bytes]], nats: NatsServer | None) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children.values():
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
    if nats is not None:
        nats.stop()
    print("stopped.")


def main() -> int:
    var = Path(os.environ.get("PMO_VAR_DIR", "var"))
    var.mkdir(parents=True, exist_ok=True)
    nats_url, nats = _broker(var)
    db_urls = service_database_urls()
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    host = os.environ.get("PMO_HOST", "127.0.0.1")
    try:
        for service, port in SERVICES.items():
            children[service] = _start_service(service, port, host, nats_url, db_urls.get(service))
        if not _wait_ready(children, lambda: stopping):
            return 1
        if stopping:
            return 0
        _announce(host)
        while not stopping:
            for service, child in children.items():
                if child.poll() is not None:
                    print(f"{service} exited with {child.returncode}; stopping the stack")
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        _stop(children, nats)


if __name__ == "__main__":
    sys.exit(main())

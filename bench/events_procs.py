"""The two processes of the events section, each on its own event loop (and core, when there is one):

    python -m bench.events_procs consume NATS_URL DB_PATH OUT_PATH NAME
        pmo_common's consumer (inbox row and effect in one transaction, ack after commit) on its own
        SQLite file; for every portfolio.created it records the time its transaction committed minus
        the event's commit time (the envelope's `time`). Writes `ready` beside OUT_PATH once
        subscribed, and the latencies to OUT_PATH on SIGTERM.

    python -m bench.events_procs load API RATE SECONDS TOKEN OUT_PATH
        an open-loop client posting creates at RATE per second (a request is sent on schedule
        whether or not earlier ones answered), at most 256 in flight; a request whose turn comes
        only after SECONDS is not sent (the service could not take RATE). Writes the acknowledged
        ids, errors, the number not sent and the achieved rate to OUT_PATH.

Both clocks are the machine's wall clock, so the two processes' times compare.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.rawhttp import Connection

PORTFOLIO_BODY = {"name": "Bench", "description": "load", "currency": "EUR", "budget": "1000000.00"}


async def consume(nats_url: str, db_path: str, out_path: str, name: str) -> None:
    from pmo_common.contracts.events import PortfolioCreated
    from pmo_common.db import Database, service_metadata
    from pmo_common.events.consumer import EventConsumer, EventHandlers
    from pmo_common.events.nats import NatsConnection
    from sqlalchemy import Column, String, Table, insert
    from sqlalchemy.ext.asyncio import AsyncSession

    metadata = service_metadata()
    effects = Table("bench_effects", metadata, Column("aggregate_id", String(64), primary_key=True))
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    latencies: dict[str, float] = {}

    def stamp(session: AsyncSession) -> None:
        now = time.time()
        for aggregate, committed in session.info.pop("bench", []):
            latencies[aggregate] = now - committed

    db.on_commit(stamp)
    handlers = EventHandlers()

    @handlers.on(PortfolioCreated, name=name)
    async def apply(session: AsyncSession, event: PortfolioCreated) -> None:
        await session.execute(insert(effects).values(aggregate_id=str(event.data.id)))
        session.info.setdefault("bench", []).append((str(event.data.id), event.envelope.time.timestamp()))

    connection = NatsConnection(nats_url, "bench")
    connection.start()
    await connection.ready.wait()
    consumer = EventConsumer(db, connection, "bench", handlers.subscriptions)
    await consumer.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    _write(out_path + ".ready", "ready")
    await stop.wait()
    await consumer.close()
    await connection.close()
    await db.dispose()
    _write(out_path, json.dumps(latencies))


async def load(api: str, rate: float, seconds: float, token: str, out_path: str) -> None:
    parts = urlsplit(api)
    origin, path = f"{parts.scheme}://{parts.netloc}", parts.path + "/portfolios"
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: list[str] = []
    errors: list[str] = []
    not_sent = 0
    in_flight = asyncio.Semaphore(256)
    # Keep-alive connections, each carrying one request at a time, opened as the in-flight count
    # needs them. Not httpx: its per-request cost on a 2-core machine is of the order of the
    # service's own (bench.rawhttp), so at 80 % of capacity the client took the CPU the service
    # needed and the section measured the client.
    idle: list[Connection] = []

    async def write(deadline: float) -> None:
        nonlocal not_sent
        async with in_flight:
            if time.perf_counter() > deadline:
                not_sent += 1
                return
            connection = idle.pop() if idle else Connection(origin)
            try:
                answer = await connection.request("POST", path, headers, PORTFOLIO_BODY)
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                errors.append(type(exc).__name__)
                return
            idle.append(connection)
            if answer.status == 201:
                acknowledged.append(answer.json()["id"])
            else:
                errors.append(str(answer.status))

    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(write(start + seconds)))
    sent_seconds = time.perf_counter() - start
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for connection in idle:
        connection.close()
    result: dict[str, Any] = {
        "acknowledged": acknowledged,
        "errors": errors,
        "not_sent": not_sent,
        "sent_per_second": (len(tasks) - not_sent) / sent_seconds,
        "acknowledged_per_second": len(acknowledged) / elapsed,
    }
    _write(out_path, json.dumps(result))


def _write(path: str, text: str) -> None:
    Path(path).write_text(text)


def main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "consume":
        nats_url, db_path, out_path, name = args
        asyncio.run(consume(nats_url, db_path, out_path, name))
    elif kind == "load":
        api, rate, seconds, token, out_path = args
        asyncio.run(load(api, float(rate), float(seconds), token, out_path))
    else:
        raise SystemExit(f"unknown process {kind!r}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main(sys.argv[1:])

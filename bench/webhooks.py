"""Webhook delivery latency at 200 events/s (issue #16), against the events section's consumer
latency measured on the same events in the same run.

The stack: nats-server, the portfolio and the reporting services (uvicorn, one worker each, their own
databases), reporting with `PMO_WEBHOOK_ALLOWED_HOSTS=127.0.0.1`. A webhook subscribes a loopback
receiver (`python -m bench.webhooks receive`, a process of its own: uvicorn and a bare ASGI app) to
`pmo.portfolio.portfolio.created`, with a secret of the bench's. The bench consumer of the events
section (`bench.events_procs consume`) runs beside it, and the load is the events section's: an
open-loop process posting portfolio creates at `rate`/s for `seconds` (`bench.events._phase`, which
then drains the outbox). The section waits until the receiver has every acknowledged create.

The latency, commit-to-received: from the create's commit in the portfolio service — the CloudEvent
`time`, stamped in the write's transaction just before it commits, the origin the events section
measures from too — to the moment the receiver has read the whole body of that event's first POST
(`time.time()`, the same machine's wall clock). It covers the outbox relay, JetStream, reporting's
durable consumer (read model and pending delivery in one transaction), the delivery worker woken by
that commit, the signing and the HTTP POST over loopback. The receiver checks every signature
(HMAC-SHA256 of "id.timestamp.body", per Standard Webhooks, and the timestamp within 5 minutes) before
answering 204; a bad one is answered 400 and fails the section.

Split in two legs at the delivery's recording (its `created_at` in the delivery log, stamped in
reporting's consumer transaction): commit-to-recorded (relay, JetStream, reporting's consumer) and
recorded-to-received (the worker's claim, signing, the POST).

The floor: the same creates' commit-to-handled in the bench consumer (inbox row and effect in one
transaction, ack after commit; the events section's figure), during the same load — so the ratio
is what the webhook path adds to one plain consumer hop on the same events, the same machine state.

    python -m bench --only webhooks [--quick]      # 30 s (--quick: 5 s)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import TEST_JWT_SECRET, auth
from pmo_common.testing.receiver import read_body
from pmo_common.testing.stack import Stack

from bench.common import Row, percentile
from bench.events import _phase, _wait_for
from bench.events_procs import PORTFOLIO_BODY

SUBJECT = "pmo.portfolio.portfolio.created"
WARM_UP = 20
DELIVERY_TIMEOUT = 300.0
TOLERANCE_SECONDS = 300


# --- the receiver (its own process) ---------------------------------------------------------------


class Receiver:
    """The ASGI app: `POST` a delivery (verified, first arrival per `webhook-id` kept), `GET /stats`
    how many have arrived, `GET /results` every first arrival with its body."""

    def __init__(self, secret: str) -> None:
        self.key = base64.b64decode(secret.removeprefix("whsec_"))
        self.first: dict[str, tuple[float, bytes]] = {}
        self.duplicates = 0
        self.bad = 0

    def verified(self, headers: dict[bytes, bytes], body: bytes) -> bool:
        msg_id, stamp = headers.get(b"webhook-id", b""), headers.get(b"webhook-timestamp", b"0")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
            return False
        digest = hmac.new(self.key, msg_id + b"." + stamp + b"." + body, hashlib.sha256).digest()
        expected = base64.b64encode(digest)
        signatures = headers.get(b"webhook-signature", b"").split()
        return any(
            hmac.compare_digest(expected, s.removeprefix(b"v1,")) for s in signatures if s.startswith(b"v1,")
        )

    def deliver(self, headers: dict[bytes, bytes], body: bytes, arrived: float) -> int:
        if not self.verified(headers, body):
            self.bad += 1
            return 400
        msg_id = headers[b"webhook-id"].decode()
        if msg_id in self.first:
            self.duplicates += 1
        else:
            self.first[msg_id] = (arrived, body)
        return 204

    def answer(self, path: str) -> bytes:
        stats: dict[str, Any] = {"received": len(self.first), "duplicates": self.duplicates, "bad": self.bad}
        if path == "/results":
            stats["arrivals"] = [[arrived, body.decode()] for arrived, body in self.first.values()]
        return json.dumps(stats).encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        arrived = time.time()  # the whole request read: the delivery has arrived
        if scope["method"] == "POST":
            status, content = self.deliver(dict(scope["headers"]), body, arrived), b""
        else:
            status, content = 200, self.answer(scope["path"])
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": content})


def receive(ready_path: str, secret: str) -> None:
    """Serve the receiver on a free loopback port; write the port to `ready_path` once listening."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)  # before announcing the port: a connection made meanwhile waits, is not refused
    # Written whole, then renamed: the section never reads a half-written port.
    Path(ready_path + ".tmp").write_text(str(sock.getsockname()[1]))
    os.replace(ready_path + ".tmp", ready_path)
    config = uvicorn.Config(Receiver(secret), lifespan="off", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


# --- the section ---------------------------------------------------------------------------------


def _get(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return dict(json.loads(response.read()))


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {**auth("bench", "admin"), "Content-Type": "application/json"}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return dict(json.loads(response.read()))


def _until_received(receiver_url: str, count: int, timeout: float) -> dict[str, Any]:
    """The receiver's stats once `count` deliveries have arrived; raises when they do not in time."""
    deadline = time.monotonic() + timeout
    while True:
        stats = _get(receiver_url + "/stats")
        if stats["bad"]:
            raise RuntimeError(f"webhooks: {stats['bad']} deliveries with a bad signature")
        if stats["received"] >= count:
            return stats
        if time.monotonic() > deadline:
            raise RuntimeError(f"webhooks: {stats['received']} of {count} deliveries within {timeout:.0f} s")
        time.sleep(0.2)


def _recorded(api: str, webhook_id: str) -> dict[str, float]:
    """Event id → when reporting recorded its delivery (`created_at`: in its consumer's transaction),
    from the delivery log, a page of 500 at a time."""
    recorded: dict[str, float] = {}
    cursor: str | None = None
    while True:
        query = "?limit=500" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        page = _get(f"{api}/webhooks/{webhook_id}/deliveries{query}", auth("bench", "admin"))
        for item in page["items"]:
            recorded[item["event_id"]] = datetime.fromisoformat(item["created_at"]).timestamp()
        cursor = page["next_cursor"]
        if not cursor:
            return recorded


def _start(
    workdir: Path, nats_url: str, secret: str, processes: list[subprocess.Popen[bytes]]
) -> tuple[str, Path]:
    """The receiver and the bench consumer, each in its own process (added to `processes` as they
    start, so the caller stops them whatever happens): (the receiver's URL, the file the consumer
    writes its latencies to when terminated)."""
    ready = workdir / "webhook-receiver.port"
    receiver = subprocess.Popen([sys.executable, "-m", "bench.webhooks", "receive", str(ready), secret])
    processes.append(receiver)
    latencies_file = workdir / "webhooks-consumer-latencies.json"
    consumer_args = [nats_url, str(workdir / "webhooks-consumer.db"), str(latencies_file), "bench-webhooks"]
    consumer = subprocess.Popen([sys.executable, "-m", "bench.events_procs", "consume", *consumer_args])
    processes.append(consumer)
    _wait_for(ready, receiver)
    _wait_for(Path(str(latencies_file) + ".ready"), consumer)
    return f"http://127.0.0.1:{ready.read_text()}", latencies_file


def webhooks_section(workdir: Path, rate: int, seconds: int) -> list[Row]:
    nats_server = NatsServer(workdir / "nats-webhooks").start()
    stack = Stack(workdir / "webhooks", nats_server.url, TEST_JWT_SECRET)
    stack.add("portfolio")
    stack.add("reporting", env={"PMO_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"})
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        stack.start("portfolio", "reporting")
        portfolio, reporting = stack["portfolio"], stack["reporting"]
        receiver_url, latencies_file = _start(workdir, nats_server.url, secret, processes)
        hook = {"url": receiver_url + "/hook", "subjects": [SUBJECT], "secret": secret}
        webhook_id = _post(reporting.api + "/webhooks", hook)["id"]
        for _ in range(WARM_UP):  # connections open, every part on its path once, before measuring
            _post(portfolio.api + "/portfolios", PORTFOLIO_BODY)
        _until_received(receiver_url, WARM_UP, timeout=60)
        metrics_url = portfolio.url + "/metrics"
        result = _phase(portfolio.api, metrics_url, rate, seconds, workdir, "webhooks")
        stats = _until_received(receiver_url, WARM_UP + len(result["acknowledged"]), DELIVERY_TIMEOUT)
        arrivals = _get(receiver_url + "/results")["arrivals"]
        recorded = _recorded(reporting.api, webhook_id)
        processes[1].terminate()
        processes[1].wait(60)
        consumer_latencies = json.loads(latencies_file.read_text())
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        stack.stop()
        nats_server.stop()
    return _rows(rate, seconds, result, _legs(arrivals, recorded), consumer_latencies, stats)


def _legs(arrivals: list[list[Any]], recorded: dict[str, float]) -> dict[str, tuple[float, float, float]]:
    """Portfolio id → (first arrival − the event's commit time, i.e. its CloudEvent `time`; the delivery's
    recording − that time; first arrival − the recording), in seconds."""
    legs = {}
    for arrived, body in arrivals:
        event = json.loads(body)
        committed, stored = datetime.fromisoformat(event["time"]).timestamp(), recorded[event["id"]]
        legs[event["data"]["id"]] = (arrived - committed, stored - committed, arrived - stored)
    return legs


def _rows(
    rate: int,
    seconds: int,
    result: dict[str, Any],
    webhook: dict[str, tuple[float, float, float]],
    consumer: dict[str, float],
    stats: dict[str, Any],
) -> list[Row]:
    ids = result["acknowledged"]
    missing = [i for i in ids if i not in webhook or i not in consumer]
    if missing or result["errors"]:
        raise RuntimeError(
            f"webhooks: {len(missing)} acknowledged creates not both delivered and handled, "
            f"{len(result['errors'])} errors ({result['errors'][:5]})"
        )
    if result["not_sent"]:
        print(f"   warning: webhooks: {result['not_sent']} writes not sent, the service was saturated")
    floor = [consumer[i] * 1000 for i in ids]
    f50, f99 = percentile(floor, 50), percentile(floor, 99)
    name = f"{rate}/s: {result['acknowledged_per_second']:.0f}/s acknowledged for {seconds}s, n={len(ids)}"
    same_run = "events consumer, same run"
    rows = [
        Row("webhooks", f"commit-to-handled p50, events consumer ({name})", f50, "ms"),
        Row("webhooks", f"commit-to-handled p99, events consumer ({name})", f99, "ms"),
    ]
    for q, f in ((50, f50), (99, f99)):
        value = percentile([webhook[i][0] * 1000 for i in ids], q)
        rows.append(Row("webhooks", f"commit-to-webhook-received p{q} ({name})", value, "ms", f, same_run))
    # Where the time goes: reporting's consumer (read model and pending delivery), then the worker.
    for leg, label in (
        (1, "commit-to-recorded (reporting's consumer)"),
        (2, "recorded-to-received (worker, POST)"),
    ):
        for q in (50, 99):
            rows.append(
                Row("webhooks", f"{label} p{q}", percentile([webhook[i][leg] * 1000 for i in ids], q), "ms")
            )
    rows.append(
        Row(
            "webhooks",
            "deliveries received twice (receivers dedupe by webhook-id)",
            stats["duplicates"],
            "POSTs",
        )
    )
    return rows


if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    if kind != "receive":
        raise SystemExit(f"unknown process {kind!r}")
    receive(*args)

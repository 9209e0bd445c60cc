"""Mixed load over the whole platform (issue #17): `clients` users reading and writing all four
services at once for `seconds`, each kind of request with its own p50 and p99.

The stack: nats-server and the four services (uvicorn, one worker each, their own databases), seeded
through their public APIs with a small realistic portfolio — `projects` projects (60 % taken through
their gates to in_progress), 3 risks and 2 allocations each, 60 people from one HR import, 3 monthly
status reports each — and then left until every event has been consumed (no outbox row pending in
any service, no message pending or unacknowledged in any JetStream consumer).

The load comes from a separate process (`bench.mixed_load`: closed-loop asyncio clients, each with
one keep-alive connection per service, `bench.rawhttp`; its docstring gives the kinds' weights, about
70 % reads): reads are a project by id, the first page of the project list, the open risks by score,
the portfolio dashboard, capacity by role over 12 months; writes are a project PATCH with If-Match, a
risk create, an allocation create, a status report submission. Every write publishes events, so the consumers of the other services work
meanwhile, as they would in production.

Any 5xx, transport error (a 30 s timeout included) or other unexpected status fails the section, with
the failures listed. 409/412 answers to a PATCH (two clients changing one project) are counted apart
and retried with a fresh ETag, as a client would; a latency is that of the request answered as
expected. Targets: p99 < 100 ms for reads, < 250 ms for writes. The floor: the bare FastAPI app
(`bench.floor_app`) under the same client process at the same concurrency, 70 % reads of a portfolio
and 30 % creates — its read p50/p99 beside the reads, its create p50/p99 beside the writes.

    python -m bench --only mixed [--quick]     # 30 s (--quick: 5 s)
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import nats
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import TEST_JWT_SECRET, token
from pmo_common.testing.stack import SERVICES, Stack

from bench.common import FloorApp, Row, percentile
from bench.mixed_load import READS, WRITES
from bench.rawhttp import Connection

ROLES = ("developer", "analyst", "architect", "tester", "designer", "project manager")
PEOPLE = 60
RISKS_PER_PROJECT = 3
ALLOCATIONS_PER_PROJECT = 2
REPORT_MONTHS = 3
SEED_CONCURRENCY = 8
SETTLE_TIMEOUT = 300.0
TARGET_MS = {**{k: 100.0 for k in READS}, **{k: 250.0 for k in WRITES}}


class Seeder:
    """Writes through the public APIs, `SEED_CONCURRENCY` connections per service; anything but a
    2xx stops the run."""

    def __init__(self, apis: dict[str, str], rnd: random.Random) -> None:
        self.apis = apis
        self.rnd = rnd
        self.pools: dict[str, asyncio.Queue[Connection]] = {}
        for name, api in apis.items():
            self.pools[name] = asyncio.Queue()
            for _ in range(SEED_CONCURRENCY):
                self.pools[name].put_nowait(Connection(api))
        self.headers = {"Authorization": f"Bearer {token('bench-pmo', ['admin'])}"}

    async def call(self, method: str, service: str, path: str, body: Any = None) -> Any:
        connection = await self.pools[service].get()
        try:
            target = urlsplit(self.apis[service]).path + path
            answer = await connection.request(method, target, self.headers, body, timeout=120)
        finally:
            self.pools[service].put_nowait(connection)
        if answer.status >= 300:
            raise RuntimeError(f"seed: {method} {service}{path} -> {answer.status} {answer.text[:300]}")
        return answer.json()

    def close(self) -> None:
        for pool in self.pools.values():
            while not pool.empty():
                pool.get_nowait().close()

    async def each(self, method: str, service: str, calls: list[tuple[str, Any]]) -> list[Any]:
        started = time.perf_counter()
        answers = await asyncio.gather(*(self.call(method, service, p, b) for p, b in calls))
        what = calls[0][0].rsplit("/", 1)[-1] if calls else ""
        _say(f"{len(calls)} {method} {service} …/{what} in {time.perf_counter() - started:.0f} s")
        return list(answers)

    async def projects(self, portfolio_id: str, count: int, today: date) -> list[str]:
        bodies = []
        for i in range(count):
            start = today - timedelta(days=self.rnd.randint(30, 400))
            bodies.append(
                {
                    "portfolio_id": portfolio_id,
                    "code": f"MX-{i:04d}",
                    "name": f"Mixed project {i}",
                    "manager": f"pm-{i % 10}",
                    "sponsor": f"sponsor-{i % 4}",
                    "budget": f"{self.rnd.randint(100_000, 5_000_000)}.00",
                    "value": f"{self.rnd.randint(100_000, 9_000_000)}.00",
                    "start_date": start.isoformat(),
                    "finish_date": (start + timedelta(days=self.rnd.randint(300, 900))).isoformat(),
                }
            )
        created = await self.each("POST", "portfolio", [("/projects", b) for b in bodies])
        ids = [p["id"] for p in created]
        running = ids[: int(len(ids) * 0.6)]
        for stage in ("approved", "in_progress"):  # one gate after the other
            decision = {"to_stage": stage, "decision": "approve", "rationale": "Business case accepted."}
            await self.each(
                "POST", "portfolio", [(f"/projects/{p}/gate-decisions", decision) for p in running]
            )
        return ids

    async def people(self) -> list[str]:
        rows = [
            {
                "external_id": f"MX{i:04d}",
                "name": f"Person {i}",
                "email": f"person{i}@example.com",
                "role": ROLES[i % len(ROLES)],
                "skills": ["python"] if i % 2 else ["sql"],
                "org_unit": f"unit-{i % 5}",
                "fte": "1" if i % 4 else "0.5",
                "hours_per_week": "40",
                "cost_rate": "85.00",
                "active": True,
            }
            for i in range(PEOPLE)
        ]
        report = await self.call("POST", "resource", "/imports/resources", {"rows": rows})
        if report["created"] != PEOPLE:
            raise RuntimeError(f"seed: the HR import created {report['created']} of {PEOPLE}: {report}")
        page = await self.call("GET", "resource", f"/resources?limit={PEOPLE}")
        return [r["id"] for r in page["items"]]

    async def details(self, projects: list[str], people: list[str], today: date) -> None:
        """Risks, allocations and status reports, once every service knows the projects."""
        rnd, this_month = self.rnd, today.year * 12 + today.month - 1
        risks = [
            ("/risks", {"project_id": p, "title": f"Risk {n}", "probability": rnd.randint(1, 5)}
             | {"impact": rnd.randint(1, 5), "owner": f"pm-{n % 10}"})
            for p in projects for n in range(RISKS_PER_PROJECT)
        ]  # fmt: skip
        allocations = []
        for p in projects:
            for _ in range(ALLOCATIONS_PER_PROJECT):
                start = this_month + rnd.randrange(-3, 6)
                allocations.append(
                    ("/allocations", {"project_id": p, "resource_id": rnd.choice(people), "kind": "hard"}
                     | {"start_period": _period(start), "end_period": _period(start + rnd.randint(1, 8))}
                     | {"hours_per_period": rnd.choice((16, 40, 60))})
                )  # fmt: skip
        ends = [today.replace(day=1) - timedelta(days=1)]
        while len(ends) < REPORT_MONTHS:
            ends.append(ends[-1].replace(day=1) - timedelta(days=1))
        reports = [
            (f"/projects/{p}/status-reports", _report(rnd, as_of, m))
            for p in projects
            for m, as_of in enumerate(ends[::-1])
        ]
        await asyncio.gather(
            self.each("POST", "risk", risks),
            self.each("POST", "resource", allocations),
            self.each("POST", "reporting", reports),
        )


def _say(text: str) -> None:
    print(f"   seed: {text}", flush=True)


def _period(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def _report(rnd: random.Random, as_of: date, month: int) -> dict[str, Any]:
    rag = {k: rnd.choice(("green", "green", "amber", "red")) for k in ("scope", "schedule", "cost", "risk")}
    return {
        "as_of": as_of.isoformat(),
        "overall": rnd.choice(("green", "amber", "red")),
        **rag,
        "resources": "green",
        "percent_complete": min(100.0, 10.0 * (month + 1) + rnd.randint(0, 10)),
        "actual_cost": f"{rnd.randint(10_000, 900_000)}.00",
    }


async def settled(nats_url: str, metrics_urls: dict[str, str], timeout: float = SETTLE_TIMEOUT) -> None:
    """Until no service has an outbox row pending and no JetStream consumer has a message pending or
    unacknowledged, twice in a row (a handled event may write an outbox row of its own)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    deadline, quiet = time.monotonic() + timeout, 0
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            while quiet < 2:
                left = await _outbox_pending(http, metrics_urls)
                for stream in await js.streams_info():
                    for consumer in await js.consumers_info(str(stream.config.name)):
                        left += (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
                quiet = quiet + 1 if left == 0 else 0
                if time.monotonic() > deadline:
                    raise RuntimeError(f"mixed: events not consumed within {timeout:.0f} s ({left} left)")
                await asyncio.sleep(0.2)
    finally:
        await nc.close()


async def _outbox_pending(http: httpx.AsyncClient, metrics_urls: dict[str, str]) -> int:
    total = 0
    for service, url in metrics_urls.items():
        text = (await http.get(url)).text
        found = re.search(rf'^pmo_outbox_pending\{{service="{service}"\}} (\S+)$', text, re.M)
        total += int(float(found.group(1))) if found else 1  # not reported yet: not settled
    return total


async def seed(stack: Stack, projects: int) -> dict[str, Any]:
    apis = {name: stack[name].api for name in SERVICES}
    metrics = {name: stack[name].url + "/metrics" for name in SERVICES}
    today = datetime.now(UTC).date()
    seeder = Seeder(apis, random.Random(17))
    try:
        body = {"name": "Mixed load", "currency": "EUR", "budget": "500000000.00"}
        portfolio = await seeder.call("POST", "portfolio", "/portfolios", body)
        started = time.perf_counter()
        project_ids, people = await asyncio.gather(
            seeder.projects(portfolio["id"], projects, today), seeder.people()
        )
        _say(f"projects, gates and people written in {time.perf_counter() - started:.0f} s")
        await settled(stack.nats_url, metrics)
        _say(f"their events consumed after {time.perf_counter() - started:.0f} s")
        await seeder.details(project_ids, people, today)
        _say(f"risks, allocations and status reports written after {time.perf_counter() - started:.0f} s")
        await settled(stack.nats_url, metrics)
        _say(f"their events consumed after {time.perf_counter() - started:.0f} s")
    finally:
        seeder.close()
    return {"portfolio_id": portfolio["id"], "projects": project_ids, "people": people, **apis}


def _load(workdir: Path, config: dict[str, Any], tag: str) -> dict[str, Any]:
    config_path, out = workdir / f"mixed-{tag}.json", workdir / f"mixed-{tag}-result.json"
    config_path.write_text(json.dumps(config))
    command = [sys.executable, "-m", "bench.mixed_load", str(config_path), str(out)]
    subprocess.run(command, check=True, timeout=float(config["seconds"]) + 120)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def mixed_section(workdir: Path, *, projects: int = 200, seconds: int = 30, clients: int = 16) -> list[Row]:
    nats_server = NatsServer(workdir / "nats-mixed").start()
    stack = Stack(workdir / "mixed", nats_server.url, TEST_JWT_SECRET)
    tokens = {"read_token": token("bench-viewer", ["viewer"]), "write_token": token("bench-pmo", ["pmo"])}
    try:
        stack.start(*SERVICES)
        started = time.perf_counter()
        seeded = asyncio.run(seed(stack, projects))
        seed_seconds = time.perf_counter() - started
        result = _load(workdir, {**seeded, **tokens, "seconds": seconds, "clients": clients}, "stack")
    finally:
        stack.stop()
        nats_server.stop()
    with FloorApp(workdir / "floor-mixed.log") as floor:
        config = {**tokens, "floor": floor.url, "portfolio_id": str(uuid.uuid4())}
        floor_result = _load(workdir, {**config, "seconds": min(seconds, 10), "clients": clients}, "floor")
    for name, outcome in (("mixed", result), ("mixed floor", floor_result)):
        if outcome["failures"]:
            shown = "; ".join(outcome["failures"][:20])
            raise RuntimeError(f"{name}: {len(outcome['failures'])} failed requests: {shown}")
    size = f"{projects} projects, {projects * RISKS_PER_PROJECT} risks, {PEOPLE} people"
    seeded_row = Row("mixed", f"seed {size} through the APIs", seed_seconds, "s")
    return [seeded_row, *_rows(result, floor_result, clients, seconds)]


def _rows(result: dict[str, Any], floor: dict[str, Any], clients: int, seconds: int) -> list[Row]:
    requests = sum(len(v) for v in result["latencies"].values())
    floor_requests = sum(len(v) for v in floor["latencies"].values())
    rows = [
        Row(
            "mixed",
            f"all kinds requests/s (asyncio, c={clients}, {seconds} s)",
            requests / result["elapsed"],
            "req/s",
            floor_requests / floor["elapsed"],
            "bare FastAPI",
        ),
        Row("mixed", "If-Match conflicts (409/412), retried with a fresh ETag",
            sum(result["conflicts"].values()), "responses"),
    ]  # fmt: skip
    for kind in READS + WRITES:
        ours = result["latencies"].get(kind, [])
        if not ours:
            raise RuntimeError(f"mixed: no {kind} request answered")
        base = floor["latencies"]["floor read" if kind in READS else "floor create"]
        p99, target = percentile(ours, 99), TARGET_MS[kind]
        label = f"{kind} (c={clients}, n={len(ours)})"
        rows += [
            Row("mixed", f"{label} p50", percentile(ours, 50), "ms", percentile(base, 50), "bare FastAPI"),
            Row("mixed", f"{label} p99", p99, "ms", percentile(base, 99), "bare FastAPI",
                f"< {target:.0f} ms", p99 < target),
        ]  # fmt: skip
    return rows

"""The load process of the mixed section, on its own event loop (and core, when there is one):

    python -m bench.mixed_load CONFIG_PATH OUT_PATH

`clients` closed-loop clients (each sends its next request when its last one has answered) for
`seconds`, each with its own keep-alive connection to each service (`bench.rawhttp`). Each request's
kind is drawn by weight: `WEIGHTS`, `FLOOR_WEIGHTS` against the bare floor app, or the config's
`weights` (to look into one kind's share of the load). Writes to OUT_PATH, per kind, the latency of
every request answered as expected (ms), the If-Match conflicts (409/412), and every failure: a 5xx,
a transport error (timeouts included) or any other unexpected status.

A project PATCH is sent as a client would: with the ETag this client last saw for the project (from
its own reads and writes), else after reading the project; on a 412 or 409 it reads the project again
for a fresh ETag and retries. Those reads are real reads by id and count as such.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.rawhttp import Answer, Connections

READS = ("project by id", "project list page", "risk list", "dashboard", "capacity")
WRITES = ("project PATCH", "risk create", "allocation create", "status report")
# A PMO platform is read far more than it is written: about 70 % reads, 30 % writes.
WEIGHTS = {
    "project by id": 20,
    "project list page": 12,
    "risk list": 12,
    "dashboard": 14,
    "capacity": 12,
    "project PATCH": 10,
    "risk create": 7,
    "allocation create": 6,
    "status report": 7,
}
FLOOR_WEIGHTS = {"floor read": 70, "floor create": 30}
MAX_PATCH_ATTEMPTS = 10
CAPACITY_MONTHS = 12
PORTFOLIO_BODY = {"name": "Bench", "description": "load", "currency": "EUR", "budget": "1000000.00"}
RAG = ("green", "green", "green", "amber", "red")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conflicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[str] = field(default_factory=list)


def month(offset: int) -> str:
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 + offset
    return f"{index // 12}-{index % 12 + 1:02d}"


class Client:
    """One simulated user: its own random stream and its own ETag cache."""

    def __init__(self, config: dict[str, Any], tally: Tally, seed: int) -> None:
        self.http = Connections()
        self.c = config
        self.tally = tally
        self.rnd = random.Random(seed)
        self.etags: dict[str, str] = {}
        self.read = {"Authorization": f"Bearer {config['read_token']}"}
        self.write = {"Authorization": f"Bearer {config['write_token']}"}

    async def send(
        self, kind: str, method: str, url: str, *, headers: dict[str, str], body: Any = None
    ) -> Answer | None:
        """The answer when it is the expected 2xx or a conflict (409/412), else None with the
        failure recorded."""
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, headers, body)
        except (OSError, EOFError, ValueError) as exc:  # refused, reset, timed out, cut short
            self.tally.failures.append(f"{kind}: {method} {url}: {type(exc).__name__} {exc}"[:300])
            return None
        elapsed = (time.perf_counter() - started) * 1000
        if response.status in (200, 201):
            self.tally.latencies[kind].append(elapsed)
            return response
        if response.status in (409, 412):
            self.tally.conflicts[kind] += 1
            return response
        self.tally.failures.append(f"{kind}: {method} {url} -> {response.status} {response.text}"[:300])
        return None

    def project(self) -> str:
        return str(self.rnd.choice(self.c["projects"]))

    async def project_by_id(self, project_id: str | None = None) -> str | None:
        project_id = project_id or self.project()
        url = f"{self.c['portfolio']}/projects/{project_id}"
        response = await self.send("project by id", "GET", url, headers=self.read)
        if response is None:
            return None
        self.etags[project_id] = response.headers["etag"]
        return self.etags[project_id]

    async def project_patch(self) -> None:
        project_id = self.project()
        body: dict[str, Any] = {"description": f"Mixed load, change {self.rnd.randrange(10**9)}"}
        if self.rnd.random() < 0.25:  # a re-estimate: the figures downstream change too
            body["budget"] = f"{self.rnd.randint(100_000, 5_000_000)}.00"
        url = f"{self.c['portfolio']}/projects/{project_id}"
        for _ in range(MAX_PATCH_ATTEMPTS):
            etag = self.etags.get(project_id) or await self.project_by_id(project_id)
            if etag is None:
                return
            headers = {**self.write, "If-Match": etag}
            response = await self.send("project PATCH", "PATCH", url, headers=headers, body=body)
            if response is None:
                return
            if response.status == 200:
                self.etags[project_id] = response.headers["etag"]
                return
            self.etags.pop(project_id, None)  # someone else changed it: read it again
        self.tally.failures.append(f"project PATCH: {url} still conflicting after {MAX_PATCH_ATTEMPTS} tries")

    async def project_list(self) -> None:
        url = f"{self.c['portfolio']}/projects?portfolio_id={self.c['portfolio_id']}&limit=50"
        await self.send("project list page", "GET", url, headers=self.read)

    async def risk_list(self) -> None:
        url = f"{self.c['risk']}/risks?portfolio_id={self.c['portfolio_id']}&status=open&sort=-score&limit=50"
        await self.send("risk list", "GET", url, headers=self.read)

    async def dashboard(self) -> None:
        url = f"{self.c['reporting']}/portfolios/{self.c['portfolio_id']}/dashboard"
        await self.send("dashboard", "GET", url, headers=self.read)

    async def capacity(self) -> None:
        url = f"{self.c['resource']}/capacity?group_by=role&from={month(0)}&to={month(CAPACITY_MONTHS - 1)}"
        await self.send("capacity", "GET", url, headers=self.read)

    async def risk_create(self) -> None:
        low = self.rnd.randint(1_000, 50_000)
        body = {
            "project_id": self.project(),
            "title": "Vendor delivery slips",
            "probability": self.rnd.randint(1, 5),
            "impact": self.rnd.randint(1, 5),
            "owner": f"pm-{self.rnd.randrange(10)}",
            "cost_impact": {"min": f"{low}.00", "most_likely": f"{2 * low}.00", "max": f"{4 * low}.00"},
        }
        await self.send("risk create", "POST", f"{self.c['risk']}/risks", headers=self.write, body=body)

    async def allocation_create(self) -> None:
        start = self.rnd.randrange(CAPACITY_MONTHS)
        body = {
            "project_id": self.project(),
            "resource_id": self.rnd.choice(self.c["people"]),
            "start_period": month(start),
            "end_period": month(start + self.rnd.randrange(6)),
            "hours_per_period": self.rnd.choice((8, 16, 24, 40)),
            "kind": "soft",
        }
        url = f"{self.c['resource']}/allocations"
        await self.send("allocation create", "POST", url, headers=self.write, body=body)

    async def status_report(self) -> None:
        project_id = self.project()
        as_of = datetime.now(UTC).date() - timedelta(days=self.rnd.randrange(28))
        body = {
            "as_of": as_of.isoformat(),
            **{
                k: self.rnd.choice(RAG) for k in ("overall", "scope", "schedule", "cost", "risk", "resources")
            },
            "percent_complete": round(self.rnd.uniform(5, 95), 1),
            "actual_cost": f"{self.rnd.randint(10_000, 2_000_000)}.00",
            "summary": "On track apart from the vendor.",
        }
        url = f"{self.c['reporting']}/projects/{project_id}/status-reports"
        await self.send("status report", "POST", url, headers=self.write, body=body)

    async def floor_read(self) -> None:
        url = f"{self.c['floor']}/portfolio/v1/portfolios/{self.c['portfolio_id']}"
        await self.send("floor read", "GET", url, headers=self.read)

    async def floor_create(self) -> None:
        url = f"{self.c['floor']}/portfolio/v1/portfolios"
        await self.send("floor create", "POST", url, headers=self.write, body=PORTFOLIO_BODY)

    async def run(self, deadline: float) -> None:
        actions: dict[str, Callable[[], Awaitable[Any]]] = {
            "project by id": self.project_by_id,
            "project list page": self.project_list,
            "risk list": self.risk_list,
            "dashboard": self.dashboard,
            "capacity": self.capacity,
            "project PATCH": self.project_patch,
            "risk create": self.risk_create,
            "allocation create": self.allocation_create,
            "status report": self.status_report,
            "floor read": self.floor_read,
            "floor create": self.floor_create,
        }
        weights = self.c.get("weights") or (FLOOR_WEIGHTS if self.c.get("floor") else WEIGHTS)
        kinds, shares = list(weights), list(weights.values())
        while time.perf_counter() < deadline:
            (kind,) = self.rnd.choices(kinds, shares)
            await actions[kind]()


async def run(config: dict[str, Any]) -> dict[str, Any]:
    tally = Tally()
    users = [
        Client(config, tally, int(config.get("seed", 1)) * 1000 + i) for i in range(int(config["clients"]))
    ]
    started = time.perf_counter()
    try:
        await asyncio.gather(*(u.run(started + float(config["seconds"])) for u in users))
    finally:
        for user in users:
            user.http.close()
    return {
        "latencies": tally.latencies,
        "conflicts": tally.conflicts,
        "failures": tally.failures,
        "elapsed": time.perf_counter() - started,
    }


def main(argv: list[str]) -> None:
    config_path, out_path = argv
    result = asyncio.run(run(json.loads(Path(config_path).read_text())))
    Path(out_path).write_text(json.dumps(result))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main(sys.argv[1:])

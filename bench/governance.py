"""Governance on the portfolio service (issue 14): a gate check of one project under load, and the
verification of a decision log of `entries` entries, each as a ratio to a read by id measured the
same way in the same run (uvicorn, 1 worker; load from a separate process).

Seeding the log, fast but through the real path where it matters: the first and the last entries are
recorded through the API (`POST /decisions`, the first ones concurrently, so the service's own
serialisation of appends is part of what verify checks); the entries in between are sealed in this
process with the service's own `chain.seal` and schemas, continuing the chain from the head the API
left, and bulk-inserted into its `decisions` table (the API appends one entry per transaction, about
a hundred a second with SQLite on a shared 2-core machine). The final API append reads that head, so a
chain the service would not accept shows as a failed verify.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import TEST_JWT_SECRET, auth
from pmo_common.testing.stack import Stack
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import Row
from bench.load import LoadResult, run_load

API_ENTRIES = 50  # recorded through the API before the bulk, in concurrent batches
API_BATCH = 10
INSERT_BATCH = 2000
CRITERIA = [
    {
        "to_stage": "approved",
        "key": "calm",
        "description": "Few open risks, and cost on track where it is known.",
        "rule": "risks.open_count <= 3 and (evm.cpi >= 0.9 or evm.cpi == null)",
    },
    {
        "to_stage": "approved",
        "key": "risks_handled",
        "rule": "risks.escalated_without_response == 0 and risks.max_open_score <= 15",
    },
    {
        "to_stage": "approved",
        "key": "reported",
        "rule": "status_report.age_days <= 30 or status_report.age_days == null",
    },
    {"to_stage": "approved", "key": "actions", "rule": "actions.overdue == 0"},
    {"to_stage": "approved", "key": "scored", "rule": "scores.complete == true"},
    {"to_stage": "in_progress", "key": "baselined", "rule": "baseline.exists == true"},
]


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    value: dict[str, Any] = response.json()
    return value


def _setup(api: str, headers: dict[str, str]) -> tuple[str, str]:
    """A portfolio with a scoring criterion and gate criteria, and a scored project in it."""
    with httpx.Client(base_url=api, headers=headers, timeout=30) as client:
        body = {"name": "Governance", "currency": "EUR", "budget": "1000000.00"}
        portfolio = _ok(client.post("/portfolios", json=body))
        pid = portfolio["id"]
        value = _ok(client.post(f"/portfolios/{pid}/criteria", json={"name": "Value"}))
        _ok(client.put(f"/portfolios/{pid}/gate-criteria", json=CRITERIA))
        project = _ok(
            client.post(
                "/projects",
                json={"portfolio_id": pid, "code": "GOV-1", "name": "Governed", "budget": "250000.00"},
            )
        )
        _ok(client.put(f"/projects/{project['id']}/scores", json={value["id"]: 4}))
        check = _ok(client.get(f"/projects/{project['id']}/gate-check", params={"to_stage": "approved"}))
        if len(check["criteria"]) != 5:
            raise RuntimeError(f"gate-check evaluated {len(check['criteria'])} criteria, not 5: {check}")
    return pid, project["id"]


def _decision(portfolio_id: str, project_id: str, i: int) -> dict[str, Any]:
    return {
        "portfolio_id": portfolio_id,
        "project_id": project_id if i % 2 else None,
        "kind": ("gate", "scenario", "baseline", "risk_acceptance", "other")[i % 5],
        "title": f"Decision {i}",
        "rationale": f"Rationale of decision {i}: the board weighed the options in its meeting.",
        "alternatives": ["Wait a quarter", "Cancel"] if i % 3 == 0 else [],
        "links": [{"type": "project", "id": project_id}] if i % 4 == 0 else [],
    }


async def _record_through_api(
    api: str, headers: dict[str, str], portfolio_id: str, project_id: str, numbers: range, batch: int
) -> None:
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=60) as client:
        for start in range(numbers.start, numbers.stop, batch):
            responses = await asyncio.gather(
                *(
                    client.post("/decisions", json=_decision(portfolio_id, project_id, i))
                    for i in range(start, min(start + batch, numbers.stop))
                )
            )
            for response in responses:
                _ok(response)


async def _bulk_insert(database_url: str, portfolio_id: str, project_id: str, numbers: range) -> None:
    """Entries sealed with the service's own chain logic onto its current head, inserted in bulk."""
    from pmo_portfolio.decisions.models import Decision
    from pmo_portfolio.decisions.schemas import DecisionBody
    from pmo_portfolio.logic import chain

    pf = uuid.UUID(portfolio_id)
    sqlite = database_url.startswith("sqlite")
    engine = create_async_engine(database_url, connect_args={"timeout": 60} if sqlite else {})
    try:
        async with engine.begin() as conn:
            head_text = await conn.scalar(
                select(Decision.entry)
                .where(Decision.portfolio_id == pf)
                .order_by(Decision.sequence.desc())
                .limit(1)
            )
            head: dict[str, Any] | None = None if head_text is None else json.loads(head_text)
            rows: list[dict[str, Any]] = []
            for i in numbers:
                fields = _decision(portfolio_id, project_id, i)
                body = DecisionBody(
                    **fields,
                    id=uuid.uuid4(),
                    programme_id=None,
                    decided_by="bench",
                    decided_at=datetime.now(UTC),
                    supersedes=None,
                )
                head = chain.seal(body.model_dump(mode="json"), head)
                rows.append(
                    {
                        "id": body.id,
                        "portfolio_id": pf,
                        "project_id": body.project_id,
                        "programme_id": None,
                        "kind": body.kind,
                        "decided_at": body.decided_at,
                        "sequence": head["sequence"],
                        "hash": head["hash"],
                        "entry": chain.canonical(head).decode("utf-8"),
                        "version": 1,
                        "recorded_at": datetime.now(UTC),
                    }
                )
            for start in range(0, len(rows), INSERT_BATCH):
                await conn.execute(insert(Decision.__table__), rows[start : start + INSERT_BATCH])
    finally:
        await engine.dispose()


def _seed_log(
    api: str, database_url: str, headers: dict[str, str], pid: str, project: str, entries: int
) -> None:
    first = min(API_ENTRIES, entries - 1)
    asyncio.run(_record_through_api(api, headers, pid, project, range(1, first + 1), API_BATCH))
    asyncio.run(_bulk_insert(database_url, pid, project, range(first + 1, entries)))
    asyncio.run(_record_through_api(api, headers, pid, project, range(entries, entries + 1), 1))


def _get(url: str, headers: dict[str, str]) -> tuple[float, Any]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - local
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return (time.perf_counter() - start) * 1000, json.loads(data)


def _load_rows(name: str, result: LoadResult, floor: LoadResult, connections: int) -> list[Row]:
    if result.errors:
        raise RuntimeError(f"{name}: {result.errors} error responses under load")
    if result.timeouts:
        print(
            f"   warning: {name}: {result.timeouts} requests took over wrk's 2 s timeout and are not in p99"
        )
    label = f"{name} ({result.tool}, c={connections})"
    floor_name = "read by id" if result is not floor else ""
    floors = (floor.requests_per_second, floor.p50_ms, floor.p99_ms) if result is not floor else (None,) * 3
    return [
        Row("governance", f"{label} requests/s", result.requests_per_second, "req/s", floors[0], floor_name),
        Row("governance", f"{label} p50", result.p50_ms, "ms", floors[1], floor_name),
        Row("governance", f"{label} p99", result.p99_ms, "ms", floors[2], floor_name),
    ]


def governance_section(
    workdir: Path,
    *,
    entries: int = 10_000,
    seconds: int = 10,
    connections: int = 16,
    verify_runs: int = 5,
    database_url: str | None = None,
) -> list[Row]:
    """Rows: gate-check and read by id under load (the read is the floor), then verify of a log of
    `entries` entries (median and max of `verify_runs`) against the read by id p50 one at a time."""
    nats_server = NatsServer(workdir / "nats-governance").start()
    stack = Stack(
        workdir / "governance",
        nats_server.url,
        TEST_JWT_SECRET,
        database_urls={"portfolio": database_url} if database_url else {},
    )
    stack.add("portfolio")
    headers = auth("bench", "admin")
    try:
        stack.start("portfolio")
        service = stack["portfolio"]
        pid, project = _setup(service.api, headers)
        started = time.perf_counter()
        _seed_log(service.api, service.env["PMO_DATABASE_URL"], headers, pid, project, entries)
        seed_seconds = time.perf_counter() - started
        read_url = f"{service.api}/projects/{project}"
        check_url = f"{service.api}/projects/{project}/gate-check?to_stage=approved"
        read = run_load(read_url, seconds=seconds, connections=connections, headers=headers)
        check = run_load(check_url, seconds=seconds, connections=connections, headers=headers)
        single_read = [_get(read_url, headers)[0] for _ in range(50)]
        timings = []
        for _ in range(verify_runs):
            ms, result = _get(f"{service.api}/portfolios/{pid}/decisions/verify", headers)
            if result != {"ok": True, "entries": entries, "first_bad_sequence": None}:
                raise RuntimeError(f"verify of the seeded log answered {result}")
            timings.append(ms)
    finally:
        stack.stop()
        nats_server.stop()
    rows = [Row("governance", f"seed a decision log of {entries:,} entries", seed_seconds, "s")]
    rows += _load_rows("read by id", read, read, connections)
    rows += _load_rows("gate-check, 5 criteria", check, read, connections)
    read_p50 = statistics.median(single_read)
    rows += [
        Row("governance", "read by id p50, one at a time (n=50)", read_p50, "ms"),
        Row(
            "governance",
            f"verify {entries:,} entries, median of {verify_runs}",
            statistics.median(timings),
            "ms",
            read_p50,
            "read by id p50",
        ),
        Row(
            "governance",
            f"verify {entries:,} entries, max of {verify_runs}",
            max(timings),
            "ms",
            read_p50,
            "read by id p50",
        ),
    ]
    return rows

"""Proven on a cluster here: three nats-servers on loopback with routes between them and streams at
three replicas; the services run against the cluster; a node is killed while events flow; and two
replicas of the reporting service share its durable consumers."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest
from pmo_common.natsserver import NatsServer, free_port
from pmo_common.testing.harness import TEST_JWT_SECRET, auth, eventually
from pmo_common.testing.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]
ADMIN = auth("pmo-lead", "admin")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[NatsServer]]:
    cluster_ports = [free_port() for _ in range(3)]
    nodes = [
        NatsServer(
            tmp_path / f"n{i}",
            name=f"n{i}",
            cluster_port=cluster_ports[i],
            routes=[p for j, p in enumerate(cluster_ports) if j != i],
        )
        for i in range(3)
    ]
    for node in nodes:
        node.start()
    try:
        yield nodes
    finally:
        for node in nodes:
            node.kill()


async def _stream_info(url: str) -> object:
    """The stream's state; the JetStream API may be slow to answer on a loaded 2-core machine."""
    nc = await nats.connect(url)
    try:
        for attempt in range(5):
            try:
                return await nc.jetstream(timeout=10).stream_info("PORTFOLIO")
            except (TimeoutError, nats.errors.TimeoutError):
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")
    finally:
        await nc.close()


def _consumed_ok(metrics: str, subject: str) -> float:
    pattern = rf'pmo_events_consumed_total\{{result="ok",service="reporting",subject="{re.escape(subject)}"\}} ([0-9.e+]+)'
    return sum(float(v) for v in re.findall(pattern, metrics))


async def test_events_survive_a_node_kill_and_two_reporting_replicas_share_the_work(
    tmp_path: Path, cluster: list[NatsServer], new_database
) -> None:
    urls = ",".join(node.url for node in cluster)
    reporting_db = await new_database(tmp_path / "reporting.db")
    stack = Stack(
        workdir=tmp_path / "stack",
        nats_url=urls,
        jwt_secret=TEST_JWT_SECRET,
        database_urls={"portfolio": await new_database(tmp_path / "portfolio.db"), "reporting": reporting_db},
        extra_env={"PMO_NATS_STREAM_REPLICAS": "3"},
    )
    stack.add("portfolio")
    stack.add("reporting")
    stack.add("reporting", instance="-b")
    try:
        for name in stack.services:
            stack.services[name].start()
        for service in stack.services.values():
            service.wait_ready(120)
        info = await _stream_info(cluster[0].url)
        assert info.config.num_replicas == 3
        assert len(info.cluster.replicas or []) == 2  # the leader plus two followers

        p = stack["portfolio"].api
        async with httpx.AsyncClient(timeout=30) as http:
            portfolio = (
                await http.post(
                    f"{p}/portfolios",
                    headers=ADMIN,
                    json={"name": "Clustered", "currency": "EUR", "budget": "1000.00"},
                )
            ).json()
            created: list[str] = []
            for i in range(150):
                if i == 50:
                    # Kill the node that leads the stream, mid-flow.
                    leader = (await _stream_info(cluster[0].url)).cluster.leader
                    victim = next((n for n in cluster if n.name == leader), cluster[1])
                    victim.kill()
                response = await http.post(
                    f"{p}/projects",
                    headers=ADMIN,
                    json={
                        "portfolio_id": portfolio["id"],
                        "code": f"C{i:03d}",
                        "name": f"Project {i}",
                        "budget": "10.00",
                    },
                )
                assert response.status_code == 201, response.text
                created.append(response.json()["id"])

            async def all_seen() -> object:
                d = (
                    await http.get(
                        f"{stack['reporting'].api}/portfolios/{portfolio['id']}/dashboard", headers=ADMIN
                    )
                ).json()
                return d if d.get("projects", {}).get("total") == 150 else None

            await eventually(all_seen, timeout=90)
            survivors = [n for n in cluster if n.running]
            # Every event is in the stream exactly once.
            nc = await nats.connect(survivors[0].url)
            seen: list[str] = []
            try:
                # The cluster has just lost a node: its JetStream API may need a moment to answer.
                js = nc.jetstream(timeout=30)
                sub = None
                for attempt in range(5):
                    try:
                        sub = await js.pull_subscribe(
                            "pmo.portfolio.project.created", durable="cluster-audit", stream="PORTFOLIO"
                        )
                        break
                    except (TimeoutError, nats.errors.TimeoutError):
                        if attempt == 4:
                            raise
                assert sub is not None
                deadline = asyncio.get_running_loop().time() + 60
                while asyncio.get_running_loop().time() < deadline:
                    try:
                        msgs = await sub.fetch(200, timeout=3)
                    except (TimeoutError, nats.errors.TimeoutError):
                        if len(seen) >= len(created):
                            break
                        continue
                    seen += [json.loads(m.data)["subject"] for m in msgs]
                    for m in msgs:
                        await m.ack()
            finally:
                await nc.close()
            assert sorted(seen) == sorted(created)
            # Both replicas consumed from the shared durable, and together handled each event once.
            await asyncio.sleep(1)
            per_replica = [
                _consumed_ok(
                    (await http.get(stack.services[name].url + "/metrics")).text,
                    "pmo.portfolio.project.created",
                )
                for name in ("reporting", "reporting-b")
            ]
            assert sum(per_replica) == 150
            assert all(count > 0 for count in per_replica), per_replica
    finally:
        stack.stop()

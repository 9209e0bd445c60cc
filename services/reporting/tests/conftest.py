"""Fixtures for the reporting service's tests: the app on a real database and NATS, and a feeder
that publishes upstream events (as the owning services' relays would)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.contracts.events import (
    CapacityChanged,
    DemandChanged,
    OverallocationDetected,
    PortfolioCreated,
    ProjectCreated,
    ProjectStageChanged,
    RiskRaised,
)
from pmo_common.events.outbox import OUTBOX
from pmo_common.natsserver import NatsServer
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, eventually, publish_event, running
from pmo_reporting.main import create_app
from sqlalchemy import func, select

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
VIEWER = auth("vera", "viewer")


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> FastAPI:
    return create_app(make_settings("reporting"))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        yield c
        # Let the relay go idle before shutdown: cancelling it mid-transaction can leave SQLite's
        # write lock held, and the final publish then waits out the 30 s busy timeout.
        await eventually(lambda: _outbox_drained(app), timeout=10)


async def _outbox_drained(app: FastAPI) -> bool:
    async with app.state.db.sessionmaker() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OUTBOX).where(OUTBOX.c.published_at.is_(None))
        )
    return pending == 0


class Feed:
    """Publishes catalogue events to the real broker and waits for the read models to show them."""

    def __init__(self, nats_url: str, client: httpx.AsyncClient) -> None:
        self.url = nats_url
        self.client = client

    async def publish(self, event: Any, data: dict[str, Any]) -> dict[str, Any]:
        await publish_event(self.url, event, data)
        return data

    async def portfolio(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "name": "Transformation",
            "currency": "EUR",
            "budget": "5000000.00",
        } | overrides
        await self.publish(PortfolioCreated, data)
        await eventually(lambda: self._known(f"/portfolios/{data['id']}/dashboard"))
        return data

    def project_data(self, portfolio_id: str, **overrides: Any) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": portfolio_id,
            "code": "P-1",
            "name": "ERP rollout",
            "manager": "pat",
            "budget": "100000.00",
            "start_date": "2025-01-01",
            "finish_date": "2025-12-31",
            "stage": "proposal",
        } | overrides

    async def project(self, portfolio_id: str, *, wait: bool = True, **overrides: Any) -> dict[str, Any]:
        data = self.project_data(portfolio_id, **overrides)
        await self.publish(ProjectCreated, data)
        if wait:
            await eventually(lambda: self._known(f"/projects/{data['id']}/evm"))
        return data

    async def stage(
        self, project: dict[str, Any], to_stage: str, decided_at: datetime, version: int
    ) -> dict[str, Any]:
        data = project | {
            "version": version,
            "stage": to_stage,
            "from_stage": project["stage"],
            "to_stage": to_stage,
            "decision": "approve",
            "decided_by": "board",
            "decided_at": decided_at.isoformat(),
        }
        await self.publish(ProjectStageChanged, data)
        return data

    async def risk(self, portfolio_id: str, project_id: str | None, **overrides: Any) -> dict[str, Any]:
        data = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": portfolio_id,
            "project_id": project_id,
            "kind": "threat",
            "title": "Vendor late",
            "probability": 3,
            "impact": 4,
            "score": 12,
            "level": "high",
            "emv": "20000.00",
            "escalated": False,
            "status": "open",
        } | overrides
        await self.publish(RiskRaised, data)
        return data

    async def capacity(self, version: int, totals: list[dict[str, Any]]) -> None:
        await self.publish(
            CapacityChanged, {"id": str(uuid.UUID(int=1)), "version": version, "totals": totals}
        )

    async def demand(self, project_id: str, version: int, demand: list[dict[str, Any]]) -> None:
        await self.publish(DemandChanged, {"id": project_id, "version": version, "demand": demand})

    async def overallocation(self, **data: Any) -> None:
        await self.publish(OverallocationDetected, data)

    async def _known(self, path: str) -> bool:
        return (await self.client.get(PREFIX + path, headers=ADMIN)).status_code == 200


@pytest.fixture
def feed(nats_server: NatsServer, client: httpx.AsyncClient) -> Feed:
    return Feed(nats_server.url, client)


def report_body(as_of: date | str, **overrides: Any) -> dict[str, Any]:
    return {
        "as_of": str(as_of),
        "overall": "green",
        "scope": "green",
        "schedule": "green",
        "cost": "green",
        "risk": "green",
        "resources": "green",
        "percent_complete": 40,
        "actual_cost": "45000.00",
        "summary": "On track",
    } | overrides


@pytest.fixture
def make_report() -> Callable[..., dict[str, Any]]:
    return report_body


@pytest.fixture
def outbox_events(app: FastAPI) -> Callable[[str], Any]:
    """The events this service has emitted on a subject (its transactional outbox), oldest first."""

    async def read(subject: str) -> list[dict[str, Any]]:
        async with app.state.db.sessionmaker() as session:
            rows = (
                (
                    await session.execute(
                        select(OUTBOX.c.payload).where(OUTBOX.c.subject == subject).order_by(OUTBOX.c.seq)
                    )
                )
                .scalars()
                .all()
            )
        return [json.loads(r) for r in rows]

    return read


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)

"""Fixtures of the risk service's tests: the real app (migrations, NATS, relay, consumers) and
helpers that feed it the portfolio service's events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.contracts.events import PortfolioCreated, ProjectCreated
from pmo_common.natsserver import NatsServer
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, eventually, publish_event, running
from pmo_risk.catalog.models import KnownPortfolio, KnownProject
from pmo_risk.main import create_app

ADMIN = auth("ada", "admin")


@dataclass
class RiskService:
    client: httpx.AsyncClient
    app: FastAPI
    nats_url: str
    versions: dict[uuid.UUID, int] = field(default_factory=dict)

    async def _known(self, model: Any, key: uuid.UUID) -> Any:
        async with self.app.state.db.sessionmaker() as session:
            return await session.get(model, key)

    async def portfolio(self, portfolio_id: uuid.UUID | None = None) -> uuid.UUID:
        """Publish `portfolio.created` as the portfolio service would and wait until it is learned."""
        portfolio_id = portfolio_id or uuid.uuid4()
        data = {
            "id": portfolio_id,
            "version": 1,
            "name": "Transformation",
            "currency": "EUR",
            "budget": "1000000.00",
        }
        await publish_event(self.nats_url, PortfolioCreated, data)
        await eventually(lambda: self._known(KnownPortfolio, portfolio_id))
        return portfolio_id

    async def project(
        self, manager: str | None = "pam", portfolio_id: uuid.UUID | None = None
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """Publish `project.created` (and, without a portfolio_id, its portfolio's `portfolio.created`
        first, as the portfolio service would); returns (portfolio_id, project_id) once both are known."""
        portfolio_id = portfolio_id or await self.portfolio()
        project_id = uuid.uuid4()
        data = {
            "id": project_id,
            "version": 1,
            "portfolio_id": portfolio_id,
            "code": f"P-{project_id.hex[:6]}",
            "name": "ERP rollout",
            "manager": manager,
            "budget": "250000.00",
            "stage": "approved",
        }
        await publish_event(self.nats_url, ProjectCreated, data)
        await eventually(lambda: self._known(KnownProject, project_id))
        return portfolio_id, project_id

    async def risk(
        self, project_id: uuid.UUID, headers: dict[str, str] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "project_id": str(project_id),
            "title": "Key supplier fails",
            "probability": 3,
            "impact": 3,
            **fields,
        }
        response = await self.client.post("/risk/v1/risks", json=body, headers=headers or ADMIN)
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
def risk_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings("risk")


@pytest.fixture
async def svc(risk_settings: Settings, nats_server: NatsServer) -> AsyncIterator[RiskService]:
    app = create_app(risk_settings)
    async with running(app) as client:
        yield RiskService(client, app, nats_server.url)


@pytest.fixture
async def risk_events(nats_server: NatsServer) -> AsyncIterator[list[tuple[str, dict[str, Any]]]]:
    """Every `pmo.risk.>` message the relay publishes, as (subject, envelope), in arrival order."""
    import json

    import nats

    received: list[tuple[str, dict[str, Any]]] = []
    nc = await nats.connect(nats_server.url)

    async def on_message(msg: Any) -> None:
        received.append((msg.subject, json.loads(msg.data)))

    await nc.subscribe("pmo.risk.>", cb=on_message)
    await nc.flush()
    try:
        yield received
    finally:
        await nc.close()

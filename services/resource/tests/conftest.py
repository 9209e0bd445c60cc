"""Fixtures of the resource service's tests: the app running on a real database and NATS server,
a subscriber counting the events it publishes, and a way to teach it projects by event."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from pmo_common.contracts.events import ProjectCreated, ProjectData
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually, publish_event, running
from pmo_resource.main import create_app
from pmo_resource.projects.models import ProjectRef

API_KEY = "secret-key"
ADMIN = auth("admin-1", "admin")
MANAGER = auth("rm-1", "resource_manager")
VIEWER = auth("viewer-1", "viewer")
INTEGRATION = {"X-API-Key": API_KEY}


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    nats_url: str

    async def add_project(self, manager: str | None = "pm-1", version: int = 1) -> uuid.UUID:
        """Publish `project.created` as the portfolio service would and wait until it is known."""
        project_id = uuid.uuid4()
        data = ProjectData(
            id=project_id,
            version=version,
            portfolio_id=uuid.uuid4(),
            code=f"P-{project_id.hex[:6]}",
            name="A project",
            manager=manager,
            budget="1000.00",
            stage="approved",
        )
        await publish_event(self.nats_url, ProjectCreated, data)

        async def known() -> bool:
            async with self.app.state.db.transaction() as session:
                return await session.get(ProjectRef, project_id) is not None

        await eventually(known)
        return project_id

    async def add_person(self, external_id: str = "HR-1", **fields: Any) -> dict[str, Any]:
        body = {"external_id": external_id, "name": "Ada", "role": "developer", **fields}
        response = await self.client.post("/resource/v1/resources", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
async def service(make_settings: Callable[..., Any], nats_server: NatsServer) -> AsyncIterator[Service]:
    app = create_app(make_settings("resource", api_keys=f"hr:{API_KEY}:integration"))
    async with running(app) as client:
        yield Service(app, client, nats_server.url)


@dataclass
class Events:
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def of(self, subject: str) -> list[dict[str, Any]]:
        return [body for s, body in self.received if s == subject]

    async def wait_for(self, subject: str, count: int = 1) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            found = self.of(subject)
            return found if len(found) >= count else None

        return await eventually(enough)


@pytest.fixture
async def events(nats_server: NatsServer) -> AsyncIterator[Events]:
    """Every `pmo.resource.>` message published while the test runs, as the relay sends them."""
    collected = Events()
    nc = await nats.connect(nats_server.url)

    async def on_message(msg: Any) -> None:
        collected.received.append((msg.subject, json.loads(msg.data)))

    await nc.subscribe("pmo.resource.>", cb=on_message)
    await nc.flush()
    yield collected
    await nc.close()


def json_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"json": {"rows": rows}}


def this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")

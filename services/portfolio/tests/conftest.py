"""Fixtures for the portfolio service's API tests: the real app (migrations, NATS, relay, consumers)
in-process, and a small client that creates the usual test data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, running
from pmo_portfolio.main import create_app

ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")
PM_JOHN = auth("john", "project_manager")


class Api:
    """Shortcuts over the HTTP API; every call asserts the status it expects."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def portfolio(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Digital", "currency": "EUR", "budget": "1000000.00", **fields}
        r = await self.client.post("/portfolio/v1/portfolios", json=body, headers=ADMIN)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def project(
        self, portfolio_id: str, code: str, headers: dict[str, str] = ADMIN, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "portfolio_id": portfolio_id,
            "code": code,
            "name": f"Project {code}",
            "budget": "100.00",
            **fields,
        }
        r = await self.client.post("/portfolio/v1/projects", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def criterion(self, portfolio_id: str, name: str, **fields: Any) -> dict[str, Any]:
        r = await self.client.post(
            f"/portfolio/v1/portfolios/{portfolio_id}/criteria", json={"name": name, **fields}, headers=ADMIN
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def decide(
        self, project_id: str, to_stage: str, decision: str, headers: dict[str, str] = ADMIN
    ) -> httpx.Response:
        return await self.client.post(
            f"/portfolio/v1/projects/{project_id}/gate-decisions",
            json={"to_stage": to_stage, "decision": decision, "rationale": f"moving to {to_stage}"},
            headers=headers,
        )

    async def scores(self, project_id: str, scores: dict[str, float]) -> dict[str, Any]:
        r = await self.client.put(f"/portfolio/v1/projects/{project_id}/scores", json=scores, headers=ADMIN)
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> FastAPI:
    return create_app(make_settings("portfolio"))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        yield c


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)

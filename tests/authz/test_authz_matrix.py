"""The authorisation matrix: every operation of every service × every role, anonymous included.

Expected access is written as rules (who may call what), not copied from the implementation. Calls
use random ids and empty bodies, so an allowed role gets past authorisation and then fails on
existence or validation (404/409/422/...); a role without access must get 403 before anything else
is looked at (no existence leaks), and anonymous callers 401.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pmo_common.testing.harness import auth, eventually, running

ROLES = ("admin", "pmo", "project_manager", "resource_manager", "integration", "viewer")
READERS = {"admin", "pmo", "project_manager", "resource_manager", "viewer"}
PORTFOLIO_ADMINS = {"admin", "pmo"}
PROJECT_WRITERS = {"admin", "pmo", "project_manager"}
RESOURCE_MANAGERS = {"admin", "pmo", "resource_manager"}
OPEN = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"}


def expected_roles(service: str, method: str, path: str) -> set[str]:
    """Who may call `method path` (the rules of contract §2 and the service issues)."""
    read = method in ("GET", "HEAD")
    if service == "portfolio":
        if read:
            return READERS
        if path.endswith("/gate-decisions"):
            # Gate decisions are the PMO's (§7.5): a project manager runs a project, others pass its gates.
            return PORTFOLIO_ADMINS
        if path.startswith("/portfolio/v1/programmes") or path.endswith("/fields"):
            # Programmes and custom field definitions shape a portfolio (§7.2): its admins write them.
            return PORTFOLIO_ADMINS
        if path.startswith(("/portfolio/v1/projects", "/portfolio/v1/actions", "/portfolio/v1/benefits")):
            # The action and benefit registers: a project manager writes those of the projects they manage.
            return PROJECT_WRITERS
        return PORTFOLIO_ADMINS
    if service == "risk":
        if read:
            return READERS
        # A matrix is portfolio-wide; risks and issues belong to projects.
        return PORTFOLIO_ADMINS if path.startswith("/risk/v1/matrices") else PROJECT_WRITERS
    if service == "resource":
        if path.startswith("/resource/v1/imports"):
            return RESOURCE_MANAGERS | {"integration"} if not read else READERS | {"integration"}
        if read:
            integration_reads = ("/resource/v1/resources", "/resource/v1/capacity")
            return READERS | ({"integration"} if path.startswith(integration_reads) else set())
        if path.startswith("/resource/v1/allocations"):
            return RESOURCE_MANAGERS | {"project_manager"}
        return RESOURCE_MANAGERS
    if service == "reporting":
        if path.startswith("/reporting/v1/webhooks"):
            return PORTFOLIO_ADMINS  # webhooks send events out of the platform (§7.9): admin or pmo
        if path.endswith("/kpi-targets") and not read:
            return PORTFOLIO_ADMINS  # a portfolio's KPI targets are portfolio-wide config (§7.8)
        if read:
            return READERS
        if path.startswith("/reporting/v1/admin"):
            return {"admin"}
        return PROJECT_WRITERS
    raise AssertionError(service)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete") and path not in OPEN
    ]


async def _matrix(client: httpx.AsyncClient, service: str) -> list[str]:
    openapi = (await client.get("/openapi.json")).json()
    problems: list[str] = []
    operations = _operations(openapi)
    assert operations, f"{service} documents no operations"
    for method, path in operations:
        url = _concrete(path)
        headers = {"If-Match": '"1"', "Content-Type": "application/json"}
        body = b"{}" if method in ("POST", "PUT", "PATCH") else None
        anonymous = await client.request(method, url, headers=headers, content=body)
        if anonymous.status_code != 401:
            problems.append(f"{method} {path} anonymous -> {anonymous.status_code}")
        allowed = expected_roles(service, method, path)
        for role in ROLES:
            response = await client.request(
                method, url, headers={**headers, **auth(f"{role}-user", role)}, content=body
            )
            status = response.status_code
            if role in allowed and status in (401, 403):
                problems.append(
                    f"{method} {path} {role} should pass authorisation, got {status}: {response.text[:200]}"
                )
            if role not in allowed and status != 403:
                problems.append(f"{method} {path} {role} should be 403, got {status}")
            if status >= 500:
                problems.append(f"{method} {path} {role} -> {status}")
    return problems


@pytest.fixture
async def app_client(request: pytest.FixtureRequest, make_settings) -> AsyncIterator[httpx.AsyncClient]:
    service = request.param
    module = __import__(f"pmo_{service}.main", fromlist=["create_app"])
    async with running(module.create_app(make_settings(service))) as client:
        client.service = service  # type: ignore[attr-defined]

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, timeout=20)
        yield client


@pytest.mark.parametrize("app_client", ["portfolio", "risk", "resource", "reporting"], indirect=True)
async def test_every_operation_by_every_role(app_client: httpx.AsyncClient) -> None:
    problems = await _matrix(app_client, app_client.service)  # type: ignore[attr-defined]
    assert not problems, "\n".join(problems)

"""Authentication on the hot path (issue #17): verified tokens remembered least-recently-used first
out, and the two security schemes documented on every operation without being dependencies that
FastAPI solves on every request."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.security.base import SecurityBase
from pmo_common import auth
from pmo_common.auth import Authenticator, Reader, document_security, make_token
from pmo_common.settings import Settings
from pmo_common.testing.harness import TEST_JWT_SECRET


def _bearer(sub: str) -> dict[str, str]:
    return {"authorization": f"Bearer {make_token(sub, ['viewer'], TEST_JWT_SECRET)}"}


async def test_verified_tokens_are_remembered_and_the_least_recently_used_is_forgotten_first(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(auth, "VERIFIED_TOKENS", 2)
    authenticator = Authenticator(Settings(service="test", environment="test", jwt_secret=TEST_JWT_SECRET))
    verified: list[str] = []
    verify = authenticator._verify_jwt

    async def counted(token: str) -> Any:
        principal = await verify(token)
        verified.append(principal.sub)
        return principal

    monkeypatch.setattr(authenticator, "_verify_jwt", counted)
    alice, bob, carol = _bearer("alice"), _bearer("bob"), _bearer("carol")
    for headers in (alice, bob, alice, carol, alice, bob):
        await authenticator.authenticate(headers)
    # alice is used again before carol arrives, so bob is the one forgotten, and verified again.
    assert verified == ["alice", "bob", "carol", "bob"]


ROUTER = APIRouter()


@ROUTER.get("/things")
async def things(_: Reader) -> dict[str, str]:
    return {}


def _app() -> FastAPI:

    app = FastAPI()
    app.include_router(ROUTER, prefix="/svc/v1")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {}

    document_security(app, "/svc/v1")
    return app


def test_every_operation_under_the_prefix_declares_both_schemes():
    document = _app().openapi()
    assert document["paths"]["/svc/v1/things"]["get"]["security"] == [
        {"HTTPBearer": []},
        {"APIKeyHeader": []},
    ]
    assert "security" not in document["paths"]["/healthz"]["get"]
    assert document["components"]["securitySchemes"] == {
        "HTTPBearer": {
            "type": "http",
            "description": "A JWT with `sub` and `roles` claims.",
            "scheme": "bearer",
        },
        "APIKeyHeader": {
            "type": "apiKey",
            "description": "A machine client's key.",
            "in": "header",
            "name": "X-API-Key",
        },
    }


def test_the_schemes_are_not_dependencies_solved_on_every_request():
    (route,) = ROUTER.routes
    pending, calls = [route.dependant], []  # type: ignore[attr-defined]
    while pending:
        dependant = pending.pop()
        calls.append(dependant.call)
        pending.extend(dependant.dependencies)
    assert not [call for call in calls if isinstance(call, SecurityBase)]

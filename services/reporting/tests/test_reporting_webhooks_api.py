"""The webhooks API (contract §7.9): who may manage them, what a subscription must be (patterns over
the catalogue, a Standard Webhooks secret, a target the SSRF rules allow), and that the secret is
shown once and never again."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, running
from pmo_reporting.main import create_app
from pmo_reporting.webhooks import targets
from pmo_reporting.webhooks.models import Webhook
from standardwebhooks import Webhook as Verifier

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
PMO = auth("paula", "pmo")
URL = "https://hooks.example.com/pmo/T0123/secret-token?key=abc"
BODY = {"url": URL, "subjects": ["pmo.risk.risk.escalated", "pmo.portfolio.action.*"]}


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """No real DNS in these tests: names resolve to what each test says."""
    answers: dict[str, list[str]] = {"hooks.example.com": ["93.184.216.34"]}

    async def resolve(host: str, port: int) -> list[targets.IPAddress]:
        literal = targets.as_address(host)
        if literal is not None:
            return [literal]
        if host not in answers:
            raise targets.TargetRefused(f"{host} does not resolve")
        return [a for a in map(targets.as_address, answers[host]) if a is not None]

    monkeypatch.setattr(targets, "resolve", resolve)
    return answers


@pytest.fixture
def app(make_settings: Callable[..., Settings], dns: dict[str, list[str]]) -> FastAPI:
    allowed = "hooks.example.com,internal.example.com,receiver.test,10.0.0.7"
    return create_app(make_settings("reporting", webhook_allowed_hosts=allowed))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        yield c


def fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


async def create(client: httpx.AsyncClient, headers: dict[str, str] = ADMIN, **body: Any) -> httpx.Response:
    return await client.post(f"{PREFIX}/webhooks", json=BODY | body, headers=headers)


async def test_the_generated_secret_is_returned_once_and_never_again(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await create(client)
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and Verifier(secret)  # a secret the reference library takes
    assert (
        response.headers["location"] == f"{PREFIX}/webhooks/{created['id']}"
        and response.headers["etag"] == '"1"'
    )
    assert created["matches"] == [
        "pmo.portfolio.action.created",
        "pmo.portfolio.action.overdue",
        "pmo.portfolio.action.updated",
        "pmo.risk.risk.escalated",
    ]
    assert created["subjects"] == BODY["subjects"] and created["created_by"] == "root"
    one = await client.get(f"{PREFIX}/webhooks/{created['id']}", headers=PMO)
    listed = await client.get(f"{PREFIX}/webhooks", headers=PMO)
    assert one.status_code == 200 and "secret" not in one.json() and secret not in one.text
    assert [w["id"] for w in listed.json()["items"]] == [created["id"]] and secret not in listed.text
    async with app.state.db.sessionmaker() as session:
        stored = await session.get(Webhook, uuid.UUID(created["id"]))
    assert stored is not None and stored.secret == secret


async def test_a_given_secret_is_kept_and_not_echoed(client: httpx.AsyncClient, app: FastAPI) -> None:
    given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    response = await create(client, headers=PMO, secret=given)
    assert response.status_code == 201 and response.json()["secret"] is None
    async with app.state.db.sessionmaker() as session:
        stored = await session.get(Webhook, uuid.UUID(response.json()["id"]))
    assert stored is not None and stored.secret == given


@pytest.mark.parametrize("secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2hvcnQ=", "whsec_***"])
async def test_a_secret_of_another_form_is_refused(client: httpx.AsyncClient, secret: str) -> None:
    assert fields(await create(client, secret=secret)) == ["body.secret"]


async def test_a_host_not_in_the_allow_list_is_refused(
    client: httpx.AsyncClient, dns: dict[str, list[str]]
) -> None:
    dns["elsewhere.example.org"] = ["93.184.216.35"]
    response = await create(client, url="https://elsewhere.example.org/hook")
    assert fields(response) == ["body.url"] and "PMO_WEBHOOK_ALLOWED_HOSTS" in response.text


async def test_an_empty_allow_list_refuses_every_target(
    make_settings: Callable[..., Settings], dns: dict[str, list[str]]
) -> None:
    async with running(create_app(make_settings("reporting"))) as client:
        for url in ("https://hooks.example.com/x", "http://127.0.0.1:9/x", "http://localhost/x"):
            assert fields(await create(client, url=url)) == ["body.url"], url


async def test_a_listed_name_resolving_to_a_private_address_is_refused(
    client: httpx.AsyncClient, dns: dict[str, list[str]]
) -> None:
    dns["receiver.test"] = ["127.0.0.1"]
    dns["internal.example.com"] = ["93.184.216.34", "169.254.169.254"]  # one bad address is enough
    loopback = await create(client, url="http://receiver.test:8080/hook")
    metadata = await create(client, url="https://internal.example.com/hook")
    assert fields(loopback) == ["body.url"] and "127.0.0.1" in loopback.text and "loopback" in loopback.text
    assert fields(metadata) == ["body.url"] and "169.254.169.254" in metadata.text


async def test_a_private_address_listed_itself_is_allowed(
    client: httpx.AsyncClient, dns: dict[str, list[str]]
) -> None:
    assert (await create(client, url="http://10.0.0.7:8080/hook")).status_code == 201
    dns["internal.example.com"] = ["10.0.0.7"]
    assert (await create(client, url="https://internal.example.com/hook")).status_code == 201


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.com/x", "https://me:pw@hooks.example.com/x", "hooks.example.com/x", "https://"],
)
async def test_urls_that_are_not_plain_http_targets_are_refused(client: httpx.AsyncClient, url: str) -> None:
    assert fields(await create(client, url=url)) == ["body.url"]


@pytest.mark.parametrize(
    ("subjects", "field"),
    [
        (["pmo.risk.nothing.*"], "body.subjects.0"),
        (["pmo.risk.>", "pmo..risk"], "body.subjects.1"),
        (["pmo.risk.>", "pmo.risk.>"], "body.subjects.1"),
        (["pmo.risk.risk.escalated.v1"], "body.subjects.0"),
        ([], "body.subjects"),
    ],
)
async def test_subject_patterns_must_match_the_catalogue(
    client: httpx.AsyncClient, subjects: list[str], field: str
) -> None:
    assert fields(await create(client, subjects=subjects)) == [field]


@pytest.mark.parametrize("role", ["viewer", "project_manager", "resource_manager", "integration"])
async def test_only_admins_and_the_pmo_manage_webhooks(client: httpx.AsyncClient, role: str) -> None:
    created = (await create(client)).json()
    headers = auth(f"{role}-user", role)
    assert (await create(client, headers=headers)).status_code == 403
    assert (await client.get(f"{PREFIX}/webhooks", headers=headers)).status_code == 403
    assert (
        await client.get(f"{PREFIX}/webhooks/{created['id']}/deliveries", headers=headers)
    ).status_code == 403


async def test_deleting_needs_the_current_etag(client: httpx.AsyncClient) -> None:
    created = (await create(client)).json()
    path = f"{PREFIX}/webhooks/{created['id']}"
    assert (await client.delete(path, headers=ADMIN)).status_code == 428
    assert (await client.delete(path, headers={**ADMIN, "If-Match": '"2"'})).status_code == 412
    assert (await client.delete(path, headers={**ADMIN, "If-Match": '"1"'})).status_code == 204
    assert (await client.get(path, headers=ADMIN)).status_code == 404
    assert (await client.get(f"{path}/deliveries", headers=ADMIN)).status_code == 404
    assert (await client.delete(path, headers={**ADMIN, "If-Match": '"1"'})).status_code == 404


async def test_deliveries_refuse_an_unknown_status(client: httpx.AsyncClient) -> None:
    created = (await create(client)).json()
    path = f"{PREFIX}/webhooks/{created['id']}/deliveries"
    assert (await client.get(path, params={"status": "pending"}, headers=ADMIN)).json()["items"] == []
    refused = await client.get(path, params={"status": "lost"}, headers=ADMIN)
    assert fields(refused) == ["query.status"]


async def test_the_audit_trail_keeps_neither_the_secret_nor_the_urls_path(client: httpx.AsyncClient) -> None:
    created = (await create(client)).json()
    await client.delete(f"{PREFIX}/webhooks/{created['id']}", headers={**ADMIN, "If-Match": '"1"'})
    trail = await client.get(f"{PREFIX}/audit", params={"entity_type": "webhook"}, headers=ADMIN)
    assert [e["action"] for e in trail.json()["items"]] == ["created", "deleted"]
    assert trail.json()["items"][0]["changes"]["origin"] == "https://hooks.example.com"
    assert (
        created["secret"] not in trail.text
        and "secret-token" not in trail.text
        and "key=abc" not in trail.text
    )


async def test_the_openapi_document_shows_how_to_verify_a_delivery(client: httpx.AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"][f"{PREFIX}/webhooks"]["post"]
    assert "Webhook(" in operation["description"] and ".verify(" in operation["description"]
    assert "webhook-signature" in operation["description"]

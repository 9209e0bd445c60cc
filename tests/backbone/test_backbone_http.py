"""What every service gets from the app factory: auth, problem+json, limits, idempotency, ETags,
readiness."""

from __future__ import annotations

import asyncio
import base64
import gc
import importlib
import json
import subprocess
import sys
import time
from dataclasses import replace

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pmo_common.app import create_app as build_app
from pmo_common.metrics import ROUTES
from pmo_common.testing.harness import TEST_JWT_SECRET, auth, eventually, running, token
from pmo_portfolio.main import SPEC, create_app

URL = "/portfolio/v1/portfolios"
BODY = {"name": "Growth", "currency": "EUR", "budget": "250000.00"}


@pytest.fixture
async def client(make_settings):
    settings = make_settings(
        "portfolio",
        api_keys="erp:s3cret-erp-key:integration,ops:sha256="
        + __import__("hashlib").sha256(b"ops-key").hexdigest()
        + ":viewer",
    )
    async with running(create_app(settings)) as c:
        yield c


async def test_what_startup_built_is_out_of_garbage_collection_until_shutdown(make_settings):
    """A full collection walked the ~230,000 objects startup builds (modules, models, routes) every
    time, 230-300 ms with the event loop stopped: the p99 of every route. Frozen while the app runs;
    unfrozen when it stops, so an app started and stopped inside a longer process leaves nothing
    uncollectable behind."""
    app = create_app(make_settings("portfolio"))
    assert gc.get_freeze_count() == 0
    async with running(app) as c:
        assert gc.get_freeze_count() > 50_000  # at least the libraries', the service's modules and models
        assert (await c.get(URL, headers=auth("ada", "viewer"))).status_code == 200
    assert gc.get_freeze_count() == 0


async def test_the_first_request_after_startup_does_not_wait_for_the_openapi_document(make_settings):
    """The metrics' route templates were read off the OpenAPI document, built by the first request
    after every start: 150-300 ms (on a dashboard, most of its first answer). They are the routes'
    own paths now, compiled at startup; the document is built when someone asks for it."""
    app = create_app(make_settings("portfolio"))
    async with running(app) as c:
        assert (await c.get(URL, headers=auth("ada", "viewer"))).status_code == 200
        assert app.openapi_schema is None
        assert "/portfolio/v1/portfolios/{portfolio_id}" in (await c.get("/openapi.json")).json()["paths"]
        assert 'route="/portfolio/v1/portfolios"' in (await c.get("/metrics")).text


FRESH_START = """
import asyncio, sys
from pmo_common.testing.harness import service_settings
from pmo_portfolio.main import create_app

async def main():
    app = create_app(service_settings("portfolio", sys.argv[1], sys.argv[2]))
    async with app.router.lifespan_context(app):
        print("backend loaded:", "anyio._backends._asyncio" in sys.modules)

asyncio.run(main())
"""


def test_a_fresh_process_has_loaded_what_the_first_request_would_import(database_url, nats_server):
    """anyio's asyncio backend, which the first cancel scope (every route with a session) imports."""
    run = subprocess.run(
        [sys.executable, "-c", FRESH_START, database_url, nats_server.url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "backend loaded: True" in run.stdout.splitlines()


async def test_a_failing_warm_up_is_logged_and_the_service_serves_without_it(make_settings, caplog):
    async def warm_up(db) -> None:
        raise RuntimeError("cold")

    async with running(build_app(replace(SPEC, warm_up=warm_up), make_settings("portfolio"))) as c:
        assert (await c.get(URL, headers=auth("ada", "viewer"))).status_code == 200
    assert any(r.message == "warm-up failed; serving without it" and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("service", ["portfolio", "risk", "resource", "reporting"])
def test_requests_are_labelled_with_the_paths_the_openapi_document_names(service, make_settings):
    app = importlib.import_module(f"pmo_{service}.main").create_app(make_settings(service))
    assert sorted(ROUTES.templates(app)) == sorted(app.openapi()["paths"])


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


async def test_missing_forged_expired_and_unsigned_tokens_are_401(client):
    _problem(await client.get(URL), 401)
    forged = jwt.encode(
        {"sub": "eve", "roles": ["admin"], "exp": int(time.time()) + 60},
        "not-the-secret" * 3,
        algorithm="HS256",
    )
    _problem(await client.get(URL, headers={"Authorization": f"Bearer {forged}"}), 401)
    expired = token("alice", ["admin"], ttl_seconds=-60)
    body = _problem(await client.get(URL, headers={"Authorization": f"Bearer {expired}"}), 401)
    assert "expired" in body["detail"]
    header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    )
    claims = (
        base64.urlsafe_b64encode(
            json.dumps({"sub": "eve", "roles": ["admin"], "exp": int(time.time()) + 60}).encode()
        )
        .rstrip(b"=")
        .decode()
    )
    _problem(await client.get(URL, headers={"Authorization": f"Bearer {header}.{claims}."}), 401)
    _problem(await client.get(URL, headers={"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}), 401)


async def test_an_rs256_token_is_refused_when_only_a_shared_secret_is_configured(client):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    rs = jwt.encode({"sub": "eve", "roles": ["admin"], "exp": int(time.time()) + 60}, pem, algorithm="RS256")
    _problem(await client.get(URL, headers={"Authorization": f"Bearer {rs}"}), 401)
    assert TEST_JWT_SECRET  # the HS256 secret is the only accepted key


async def test_tokens_with_a_string_of_roles_an_empty_subject_or_100_kb_are_401(client):
    def signed(claims: dict) -> dict[str, str]:
        body = {"exp": int(time.time()) + 60, **claims}
        return {"Authorization": f"Bearer {jwt.encode(body, TEST_JWT_SECRET, algorithm='HS256')}"}

    detail = _problem(await client.get(URL, headers=signed({"sub": "eve", "roles": "admin"})), 401)["detail"]
    assert "list of role names" in detail
    assert (
        "`sub`"
        in _problem(await client.get(URL, headers=signed({"sub": "", "roles": ["admin"]})), 401)["detail"]
    )
    _problem(await client.get(URL, headers=signed({"sub": 42, "roles": ["admin"]})), 401)
    huge = signed({"sub": "eve", "roles": ["admin"], "padding": "x" * 100_000})
    assert "longer than" in _problem(await client.get(URL, headers=huge), 401)["detail"]
    assert (await client.get(URL, headers=signed({"sub": "eve", "roles": ["viewer"]}))).status_code == 200


async def test_a_weak_if_match_never_matches(client):
    created = (await client.post(URL, json=BODY, headers=auth())).json()
    item = f"{URL}/{created['id']}"
    _problem(await client.patch(item, json={"name": "New"}, headers={**auth(), "If-Match": 'W/"1"'}), 412)
    ok = await client.patch(item, json={"name": "New"}, headers={**auth(), "If-Match": 'W/"1", "1"'})
    assert ok.status_code == 200


async def test_a_token_without_expiry_is_refused(client):
    no_exp = jwt.encode({"sub": "alice", "roles": ["admin"]}, TEST_JWT_SECRET, algorithm="HS256")
    _problem(await client.get(URL, headers={"Authorization": f"Bearer {no_exp}"}), 401)


async def test_the_wrong_role_is_403_and_readers_read(client):
    body = _problem(await client.post(URL, json=BODY, headers=auth("vera", "viewer")), 403)
    assert "admin" in body["detail"] and "viewer" in body["detail"]
    assert (await client.get(URL, headers=auth("vera", "viewer"))).status_code == 200


async def test_api_keys_carry_roles_and_unknown_keys_are_401(client):
    assert (await client.get(URL, headers={"X-API-Key": "ops-key"})).status_code == 200
    _problem(await client.get(URL, headers={"X-API-Key": "s3cret-erp-key"}), 403)  # integration: imports only
    _problem(await client.get(URL, headers={"X-API-Key": "guess"}), 401)


async def test_malformed_json_and_invalid_fields_are_422_naming_them(client):
    body = _problem(
        await client.post(
            URL, content=b'{"name": "x",', headers={**auth(), "Content-Type": "application/json"}
        ),
        422,
    )
    assert "not valid JSON" in body["errors"][0]["message"]
    body = _problem(
        await client.post(URL, json={**BODY, "budget": -5, "currency": "euro"}, headers=auth()), 422
    )
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"body.budget", "body.currency"}
    body = _problem(await client.post(URL, json={**BODY, "budget": 12.5}, headers=auth()), 422)
    assert "decimal string" in body["errors"][0]["message"]


async def test_an_oversized_body_is_413_even_without_content_length(client):
    _problem(
        await client.post(
            URL, content=b"x" * 2_000_000, headers={**auth(), "Content-Type": "application/json"}
        ),
        413,
    )

    async def stream():
        for _ in range(40):
            yield b" " * 65536

    body = _problem(
        await client.post(URL, content=stream(), headers={**auth(), "Content-Type": "application/json"}), 413
    )
    assert body["limit_bytes"] == 1_048_576


async def test_an_idempotency_key_retry_replays_the_first_response(client):
    headers = {**auth(), "Idempotency-Key": "create-growth-1"}
    first = await client.post(URL, json=BODY, headers=headers)
    again = await client.post(URL, json=BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    listed = (await client.get(URL, headers=auth())).json()["items"]
    assert len(listed) == 1
    other = _problem(await client.post(URL, json={**BODY, "name": "Other"}, headers=headers), 422)
    assert "Idempotency-Key" in other["title"]
    # Keys are per principal: Bob's same key is a different request.
    bob = await client.post(
        URL, json=BODY, headers={**auth("bob", "pmo"), "Idempotency-Key": "create-growth-1"}
    )
    assert bob.status_code == 201 and bob.json()["id"] != first.json()["id"]


async def _interrupted_post(app, path: str, headers: dict[str, str], body: bytes) -> list[dict]:
    """Send the headers and half the body, then disconnect, as an impatient client would."""
    sent: list[dict] = []
    chunks = [
        {"type": "http.request", "body": body[: len(body) // 2], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": raw, "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    return sent


async def test_an_interrupted_upload_does_not_use_up_its_idempotency_key(make_settings):
    app = create_app(make_settings("portfolio"))
    async with running(app) as client:
        headers = {**auth(), "Idempotency-Key": "upload-1"}
        await _interrupted_post(app, URL, headers, json.dumps(BODY).encode())
        retry = await client.post(URL, json=BODY, headers=headers)
        assert retry.status_code == 201, retry.text
        assert "idempotent-replayed" not in retry.headers
        again = await client.post(URL, json=BODY, headers=headers)
        assert again.headers["idempotent-replayed"] == "true" and again.json() == retry.json()
        assert len((await client.get(URL, headers=auth())).json()["items"]) == 1


async def test_concurrent_retries_with_one_key_apply_once(client):
    headers = {**auth(), "Idempotency-Key": "race-1"}
    responses = await asyncio.gather(*(client.post(URL, json=BODY, headers=headers) for _ in range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert len((await client.get(URL, headers=auth())).json()["items"]) == 1


async def test_if_match_is_required_and_a_stale_one_is_412(client):
    created = (await client.post(URL, json=BODY, headers=auth())).json()
    item = f"{URL}/{created['id']}"
    _problem(await client.patch(item, json={"name": "New"}, headers=auth()), 428)
    ok = await client.patch(item, json={"name": "New"}, headers={**auth(), "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"' and ok.json()["version"] == 2
    stale = _problem(
        await client.patch(item, json={"name": "Newer"}, headers={**auth(), "If-Match": '"1"'}), 412
    )
    assert "version 2" in stale["detail"]
    _problem(await client.delete(item, headers={**auth(), "If-Match": '"1"'}), 412)
    assert (await client.delete(item, headers={**auth(), "If-Match": '"2"'})).status_code == 204
    _problem(await client.get(item, headers=auth()), 404)


async def test_pagination_walks_every_item_once_in_a_stable_order(client):
    for i in range(7):
        await client.post(URL, json={**BODY, "name": f"P{i}"}, headers=auth())
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=auth())).json()
        seen += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"P{i}" for i in range(7)]
    _problem(await client.get(URL, params={"cursor": "garbage!"}, headers=auth()), 422)
    _problem(await client.get(URL, params={"limit": 501}, headers=auth()), 422)


async def test_operational_endpoints_are_open_and_metrics_use_route_templates(client):
    created = (await client.post(URL, json=BODY, headers=auth())).json()
    await client.get(f"{URL}/{created['id']}", headers=auth())
    assert (await client.get("/healthz")).json()["status"] == "ok"
    await eventually(lambda: _ready(client))
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/docs")).status_code == 200
    metrics = (await client.get("/metrics")).text
    assert 'route="/portfolio/v1/portfolios/{portfolio_id}"' in metrics
    assert created["id"] not in metrics
    unknown = _problem(await client.get("/nowhere", headers=auth()), 404)
    assert "/nowhere" in unknown["detail"]


async def _ready(client) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def test_readyz_names_nats_while_it_is_down_and_recovers_without_restart(
    make_settings, private_nats_server
):
    nats_server = private_nats_server
    async with running(create_app(make_settings("portfolio", nats_url=nats_server.url))) as client:
        await _readyz_follows_nats(client, nats_server)


async def _readyz_follows_nats(client, nats_server) -> None:
    await eventually(lambda: _ready(client))
    nats_server.stop()

    async def down() -> bool:
        response = await client.get("/readyz")
        return response.status_code == 503 and response.json()["checks"]["nats"]["ok"] is False

    await eventually(down, timeout=10)
    nats_server.start()
    await eventually(lambda: _ready(client), timeout=20)


async def test_every_response_carries_a_request_id(client):
    response = await client.get(URL, headers={**auth(), "X-Request-ID": "trace-abc-12345"})
    assert response.headers["x-request-id"] == "trace-abc-12345"
    assert len((await client.get(URL, headers=auth())).headers["x-request-id"]) >= 16


async def test_logs_are_json_with_the_request_id_and_carry_no_tokens_or_bodies(client, caplog):
    import logging

    from pmo_common.observability import JSONFormatter

    secret_token = token("alice", ["admin"])
    caplog.set_level(logging.DEBUG)
    response = await client.post(
        URL,
        json={**BODY, "description": "contact jane.doe@example.com"},
        headers={"Authorization": f"Bearer {secret_token}"},
    )
    await client.get(URL, headers={"X-API-Key": "ops-key"})
    await client.get(URL, headers={"Authorization": "Bearer forged.token.value"})
    formatter = JSONFormatter("portfolio")
    lines = [formatter.format(record) for record in caplog.records]
    joined = "\n".join(lines)
    assert secret_token not in joined and "forged.token.value" not in joined
    assert "ops-key" not in joined and "jane.doe@example.com" not in joined
    access = [json.loads(line) for line in lines if '"msg": "request"' in line]
    assert any(
        entry.get("request_id") == response.headers["x-request-id"]
        and entry["route"] == "/portfolio/v1/portfolios"
        and entry["status"] == 201
        for entry in access
    )


@pytest.fixture
def jwks_server():
    """A JWKS endpoint on loopback serving one RSA public key (kid "k1")."""
    import http.server
    import threading

    from jwt.algorithms import RSAAlgorithm
    from pmo_common.natsserver import free_port

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "k1", "alg": "RS256", "use": "sig"})
    payload = json.dumps({"keys": [jwk]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            return None

    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/jwks.json", key
    server.shutdown()


async def test_rs256_via_jwks_with_audience_and_issuer(make_settings, jwks_server):
    url, key = jwks_server
    settings = make_settings(
        "portfolio", jwt_secret=None, jwks_url=url, jwt_audience="pmo-api", jwt_issuer="https://idp.example"
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

    def signed(**claims):
        base = {
            "sub": "alice",
            "roles": ["viewer"],
            "exp": int(time.time()) + 60,
            "aud": "pmo-api",
            "iss": "https://idp.example",
        }
        return {
            "Authorization": "Bearer "
            + jwt.encode({**base, **claims}, pem, algorithm="RS256", headers={"kid": "k1"})
        }

    async with running(create_app(settings)) as c:
        assert (await c.get(URL, headers=signed())).status_code == 200
        _problem(await c.get(URL, headers=signed(aud="someone-else")), 401)
        _problem(await c.get(URL, headers=signed(iss="https://evil.example")), 401)
        # HS256 signed with the public key's PEM: the classic algorithm-confusion attack.
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        import hashlib
        import hmac

        def b64(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        signing_input = (
            b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
            + "."
            + b64(
                json.dumps(
                    {
                        "sub": "eve",
                        "roles": ["admin"],
                        "exp": int(time.time()) + 60,
                        "aud": "pmo-api",
                        "iss": "https://idp.example",
                    }
                ).encode()
            )
        )
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        confused = signing_input + "." + b64(signature)
        _problem(await c.get(URL, headers={"Authorization": f"Bearer {confused}"}), 401)


async def test_docs_work_offline_and_html_carries_nosniff_and_a_restrictive_policy(client):
    page = await client.get("/docs")
    assert page.status_code == 200
    html = page.text
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    assert "/docs/assets/swagger-ui-bundle.js" in html
    policy = page.headers["content-security-policy"]
    assert (
        "default-src 'none'" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert page.headers["x-content-type-options"] == "nosniff"
    bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 500_000  # Swagger UI itself, not a stub
    assert b"SwaggerUIBundle" in bundle.content
    assert (await client.get("/docs/assets/swagger-ui.css")).status_code == 200
    api = await client.get(URL, headers=auth())
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers  # JSON is never rendered

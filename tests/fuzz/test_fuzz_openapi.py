"""Property-based fuzzing of every service's OpenAPI document with schemathesis, over real HTTP
(uvicorn processes), authenticated as an admin: no 5xx, every response matches its documented
status codes, content type and schema, and every error is problem+json. A bounded number of
examples per operation keeps it quick (PMO_FUZZ_EXAMPLES, default 25)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import TEST_JWT_SECRET, token
from pmo_common.testing.stack import Stack
from schemathesis import checks

EXAMPLES = int(os.environ.get("PMO_FUZZ_EXAMPLES", "25"))
ADMIN = {"Authorization": f"Bearer {token('fuzz-admin', ['admin'], ttl_seconds=6 * 3600)}"}


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("fuzz")
    nats_server = NatsServer(root / "nats").start()
    stack = Stack(
        root / "stack",
        nats_server.url,
        TEST_JWT_SECRET,
        extra_env={"PMO_API_KEYS": "hr:fuzz-hr-key:integration"},
    )
    try:
        yield stack.start()
    finally:
        stack.stop()
        nats_server.kill()


@schemathesis.check
def problem_json_errors(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    if response.status_code >= 400:
        media = response.headers.get("content-type", [""])[0]
        if not media.startswith("application/problem+json"):
            raise AssertionError(
                f"{response.status_code} answered with {media!r}, not application/problem+json"
            )
        body = response.json()
        for key in ("type", "title", "status"):
            if key not in body:
                raise AssertionError(f"problem body lacks {key!r}: {body}")
    return None


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    problem_json_errors,
]
REQUESTS: dict[str, int] = {}


def fuzz_service(stack: Stack, service: str) -> None:
    """Every operation of the service's OpenAPI document, EXAMPLES generated cases each."""
    schema = schemathesis.openapi.from_url(stack[service].url + "/openapi.json")
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            nonlocal count
            count += 1
            response = case.call(headers=ADMIN, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's first failure, then fail once
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    REQUESTS[service] = count
    print(f"fuzzed {service}: {count} requests over {len(list(schema.get_all_operations()))} operations")
    assert not failures, "\n\n".join(failures)


def test_fuzz_portfolio(fuzz_stack: Stack) -> None:
    fuzz_service(fuzz_stack, "portfolio")


def test_fuzz_risk(fuzz_stack: Stack) -> None:
    fuzz_service(fuzz_stack, "risk")


def test_fuzz_resource(fuzz_stack: Stack) -> None:
    fuzz_service(fuzz_stack, "resource")


def test_fuzz_reporting(fuzz_stack: Stack) -> None:
    fuzz_service(fuzz_stack, "reporting")

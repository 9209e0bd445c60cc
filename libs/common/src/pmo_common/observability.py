"""Structured JSON logs carrying a request id, and the middleware that assigns it.

The request id comes from a valid `X-Request-ID` header or is generated; it is returned in the
response header and carried into every event the request causes (envelope `requestid`). Logs name
routes, statuses and principals' kinds, never bodies, tokens or personal data.
"""

from __future__ import annotations

import contextvars
import json
import logging
import random
import re
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_common.docs import HTML_POLICY
from pmo_common.metrics import ROUTES, HTTPMetrics

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("pmo_request_id", default=None)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,128}$")
_configured = False


class JSONFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "route", "status", "duration_ms", "event_subject", "event_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# Libraries that log statements, parameters or payloads at DEBUG: personal data must not reach the logs
# even when PMO_LOG_LEVEL=DEBUG, so they stay at WARNING.
_QUIET = (
    "aiosqlite",
    "sqlalchemy",
    "asyncpg",
    "nats",
    "httpx",
    "httpcore",
    "alembic",
    "matplotlib",
    "multipart",
)


def configure_logging(service: str, level: str) -> None:
    global _configured
    root = logging.getLogger()
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    if _configured:
        root.setLevel(level.upper())
        return
    _stamp_request_ids()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter(service))
    root.handlers = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
    _configured = True


def _stamp_request_ids() -> None:
    """Every record remembers the request it was logged in (formatting may happen later)."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get()
        return record

    logging.setLogRecordFactory(factory)


access_log = logging.getLogger("pmo.access")


def new_request_id() -> str:
    """32 random hex digits. A correlation id, not a secret: from `random` rather than `uuid4`, whose
    `os.urandom` is a system call that releases the GIL on every request — and under load the
    database threads take it, so the request waited for them (a tenth of a read's time, issue #17).
    `random` is reseeded in every forked worker, so workers do not repeat each other's ids."""
    return f"{random.getrandbits(128):032x}"


class RequestMiddleware:
    """What every HTTP request gets, in one pure-ASGI layer with one `send` wrapper (it was three
    layers, each wrapping `send` again: issue #17):

    - a request id — a valid `X-Request-ID`, or a new one — for the logs and the events the request
      causes, returned in the response's `X-Request-ID`;
    - `X-Content-Type-Options: nosniff` on every response, `HTML_POLICY` on HTML without a policy;
    - the request counted and timed by route template (`pmo_common.metrics`; unmatched paths are not
      recorded), and an access-log line when INFO is on.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.metrics = HTTPMetrics(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        status = 500
        request_id_header = (b"x-request-id", request_id.encode())

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = _with_headers(message.get("headers", []), request_id_header)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - start
            route = ROUTES.lookup(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):  # nothing is built for a line no one keeps
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": route or "unmatched",
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )
            request_id_var.reset(token)


_NOSNIFF = (b"x-content-type-options", b"nosniff")
_HTML_POLICY = (b"content-security-policy", HTML_POLICY.encode())


def _with_headers(headers: Iterable[tuple[bytes, bytes]], request_id: tuple[bytes, bytes]) -> list[Any]:
    result = [*headers, request_id, _NOSNIFF]
    content_type = next((v for k, v in result if k.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html") and not any(
        k.lower() == b"content-security-policy" for k, _ in result
    ):
        result.append(_HTML_POLICY)
    return result

"""Structured JSON logs carrying a request id, and the middleware that assigns it.

The request id comes from a valid `X-Request-ID` header or is generated; it is returned in the
response header and carried into every event the request causes (envelope `requestid`). Logs name
routes, statuses and principals' kinds, never bodies, tokens or personal data.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_common.metrics import ROUTES

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


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if access_log.isEnabledFor(logging.INFO):  # nothing is built for a line no one keeps
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": ROUTES.lookup(scope) or "unmatched",
                        "status": status,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                    },
                )
            request_id_var.reset(token)

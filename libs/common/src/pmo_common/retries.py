"""Transactions PostgreSQL aborts for a deadlock or a serialization failure (SQLSTATE 40P01, 40001)
are run again, whole, a bounded number of times: the client never sees them.

The exception handler (`pmo_common.errors`) answers such an abort with a 503 that carries a private
marker; `TransactionRetryMiddleware`, which sits inside the Idempotency-Key middleware (the key stays
reserved across attempts) and has the request body buffered, holds that response back and replays
the request to the app. The transaction rolled back, so nothing of the failed attempt remains. Only
after the last attempt does the client get the 503, with `Retry-After` — never a 500.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_common.errors import RETRY_MARKER as MARKER

ATTEMPTS = 4


class TransactionRetryMiddleware:
    def __init__(self, app: ASGIApp, attempts: int = ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or _single_writer(scope):
            await self.app(scope, receive, send)
            return
        messages = await _buffer(receive)
        if messages is None:
            return  # the client went away before its request arrived whole: nothing to run
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            if await self._attempt(scope, messages, send, forward_retryable=last):
                return
            await asyncio.sleep(random.uniform(0.005, 0.02) * 2**attempt)

    async def _attempt(
        self, scope: Scope, messages: list[Message], send: Send, *, forward_retryable: bool
    ) -> bool:
        """Run the app once; False when it answered with a retryable abort (held back)."""
        pending = list(messages)
        held: dict[str, Any] = {"retry": False}

        async def replay() -> Message:
            return pending.pop(0) if pending else {"type": "http.disconnect"}

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if any(k.lower() == MARKER for k, _ in headers):
                    held["retry"] = not forward_retryable
                    message = {**message, "headers": [(k, v) for k, v in headers if k.lower() != MARKER]}
            if not held["retry"]:
                await send(message)

        await self.app(dict(scope), replay, guarded)
        return not held["retry"]


def _single_writer(scope: Scope) -> bool:
    """SQLite has one writer and never aborts a transaction for a conflict: nothing to retry, so the
    body is not buffered and the request is not wrapped."""
    db = getattr(getattr(scope.get("app"), "state", None), "db", None)
    return bool(getattr(db, "sqlite", False))


async def _buffer(receive: Receive) -> list[Message] | None:
    messages: list[Message] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        messages.append(message)
        if not message.get("more_body", False):
            return messages

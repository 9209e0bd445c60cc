"""`Idempotency-Key` for mutating POSTs (IETF httpapi draft semantics), as ASGI middleware.

The first request with a key reserves it; its response (any status below 500) is stored and
replayed to retries with the same key and body. The same key with a different body is a 422; a
retry while the first is still running is a 409. The key is marked committed inside the business
transaction (see `pmo_common.http`), so a crash between the commit and storing the response makes
a retry answer 409 rather than apply the change twice.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_common.auth import Authenticator
from pmo_common.db import IDEMPOTENCY_TABLE, Database, utcnow
from pmo_common.errors import AppError, Conflict, Unprocessable, invalid, problem_response

IDEMPOTENCY_SCOPE_KEY = "pmo.idempotency_scope_key"
RUNNING_LEASE = timedelta(seconds=60)
_REPLAYED_HEADERS = ("content-type", "etag", "location")


async def mark_committed(session: AsyncSession, scope_key: str) -> None:
    table = IDEMPOTENCY_TABLE
    await session.execute(update(table).where(table.c.scope_key == scope_key).values(state="committed"))


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, db_getter: Any, authenticator_getter: Any, ttl: timedelta) -> None:
        self.app = app
        self._db = db_getter
        self._auth = authenticator_getter
        self.ttl = ttl

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not any(k.lower() == b"idempotency-key" for k, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            await self._handle(scope, receive, send, headers, key)
        except AppError as error:
            await problem_response(error)(scope, receive, send)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], key: str
    ) -> None:
        if not (1 <= len(key) <= 255):
            raise invalid("header.Idempotency-Key", "must be 1 to 255 characters")
        authenticator: Authenticator = self._auth()
        try:
            principal = await authenticator.authenticate(headers)
        except AppError:
            await self.app(scope, receive, send)  # the route answers 401 itself
            return
        body = await _read_body(receive)
        if body is None:
            # The client went away before its body arrived whole (or the size limit cut it off):
            # reserve nothing and store nothing, so the honest retry with the full body runs.
            return
        path = scope["path"] + ("?" + scope["query_string"].decode() if scope.get("query_string") else "")
        request_hash = hashlib.sha256(
            b"\0".join([path.encode(), headers.get("content-type", "").encode(), body])
        ).hexdigest()
        scope_key = hashlib.sha256(f"{principal.sub}\0{key}".encode()).hexdigest()
        db: Database = self._db()
        replay = await self._reserve(db, scope_key, request_hash)
        if replay is not None:
            await _send_replay(send, replay)
            return
        scope[IDEMPOTENCY_SCOPE_KEY] = scope_key
        captured: dict[str, Any] = {"status": None, "headers": [], "body": bytearray()}

        async def replay_receive() -> Message:
            nonlocal body
            chunk, body = body, b""
            return {"type": "http.request", "body": chunk, "more_body": False}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await self._finish(db, scope_key, captured)

    async def _reserve(self, db: Database, scope_key: str, request_hash: str) -> dict[str, Any] | None:
        table = IDEMPOTENCY_TABLE
        now = utcnow()
        for _ in range(2):
            async with db.transaction() as session:
                row = (
                    (await session.execute(select(table).where(table.c.scope_key == scope_key)))
                    .mappings()
                    .first()
                )
                if row is not None and row["expires_at"] < now:
                    await session.execute(delete(table).where(table.c.scope_key == scope_key))
                    row = None
                if row is None:
                    try:
                        await session.execute(
                            insert(table).values(
                                scope_key=scope_key,
                                request_hash=request_hash,
                                state="running",
                                created_at=now,
                                expires_at=now + self.ttl,
                            )
                        )
                        await session.flush()
                    except IntegrityError:
                        await session.rollback()
                        continue
                    return None
            if row["request_hash"] != request_hash:
                raise Unprocessable(
                    "This Idempotency-Key was already used with a different request; use a new key "
                    "for a new request.",
                    title="Idempotency-Key reused",
                )
            if row["state"] == "done":
                return dict(row)
            if row["state"] == "committed":
                raise Conflict(
                    "The first request with this Idempotency-Key was applied but its response was lost; "
                    "GET the resource to see the outcome."
                )
            if now - row["created_at"] > RUNNING_LEASE:
                # The first attempt died before committing anything: let this retry run it.
                async with db.transaction() as session:
                    await session.execute(
                        update(table)
                        .where(table.c.scope_key == scope_key, table.c.state == "running")
                        .values(created_at=now)
                    )
                return None
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                headers={"Retry-After": "1"},
            )
        raise Conflict("Concurrent requests with the same Idempotency-Key; retry shortly.")

    async def _finish(self, db: Database, scope_key: str, captured: dict[str, Any]) -> None:
        table = IDEMPOTENCY_TABLE
        status = captured["status"]
        async with db.transaction() as session:
            if status is None or status >= 500:
                # Nothing committed (or we cannot tell the client what): free the key for a retry,
                # unless the business transaction did commit.
                await session.execute(
                    delete(table).where(table.c.scope_key == scope_key, table.c.state == "running")
                )
                return
            kept = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in captured["headers"]
                if k.decode("latin-1").lower() in _REPLAYED_HEADERS
            ]
            await session.execute(
                update(table)
                .where(table.c.scope_key == scope_key)
                .values(
                    state="done", status_code=status, headers=json.dumps(kept), body=bytes(captured["body"])
                )
            )


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when the request ended (`http.disconnect`) before its last chunk."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_replay(send: Send, row: dict[str, Any]) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(row["headers"] or "[]")]
    body: bytes = row["body"] or b""
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": row["status_code"], "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""A real HTTP receiver for webhook tests and benchmarks: a small ASGI app served by uvicorn on
127.0.0.1 (a free port), recording every request and answering as the caller scripts it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Answer:
    """What the receiver answers one request: `chunks` pieces of body, `pause` seconds apart."""

    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunk: bytes = b"ok"
    chunks: int = 1
    pause: float = 0.0

    async def send(self, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        for index in range(self.chunks):
            if self.pause:
                await asyncio.sleep(self.pause)
            more = index < self.chunks - 1
            await send({"type": "http.response.body", "body": self.chunk, "more_body": more})


async def read_body(receive: Any) -> bytes:
    """The whole body of an ASGI HTTP request, however many messages it came in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)  # answered in order, then 200

    def url(self, host: str = "127.0.0.1", path: str = "/hook") -> str:
        return f"http://{host}:{self.port}{path}"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.received.append(Received(scope["path"], headers, body))
        await (self.answers.pop(0) if self.answers else Answer()).send(send)


@asynccontextmanager
async def serving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    receiver.port = sock.getsockname()[1]
    config = uvicorn.Config(
        receiver,
        http="h11",
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.025)
        assert server.started, "the receiver did not start"
        yield receiver
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()

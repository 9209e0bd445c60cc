"""A minimal HTTP/1.1 client over asyncio streams, for load generators: one keep-alive connection,
one request at a time, the way a browser tab holds its connection to a service.

Why not httpx: measured on this 2-core machine against the bare floor app, 16 concurrent requests
through one httpx.AsyncClient reached about 25 requests/s at a p50 of 350 ms, where 16 of these
connections reached about 300/s at 50 ms, as wrk does; the client, not the server, was measured.

Enough of HTTP/1.1 for our services (uvicorn): Content-Length or chunked bodies, `Connection: close`.
uvicorn closes a keep-alive connection idle for 5 s, so one idle for longer is reopened before use,
and a request on a reused connection that the server closed before answering is sent once again on
a new one (what every HTTP client does; nothing was answered, so nothing was done).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IDLE_SECONDS = 4.0  # below uvicorn's default keep-alive timeout of 5 s


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    def __init__(self, origin: str) -> None:
        parts = urlsplit(origin)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http://host:port origins: {origin!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: Any = None, timeout: float = 30
    ) -> Answer:
        """`target` is the path and query. Raises OSError, asyncio.IncompleteReadError or TimeoutError
        (the connection is then closed: its state is unknown)."""
        if self.writer is not None and time.monotonic() - self.used > IDLE_SECONDS:
            self.close()
        payload = self._encode(method, target, headers, body)
        reused = self.writer is not None
        try:
            return await asyncio.wait_for(self._exchange(payload), timeout)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            self.close()
            unanswered = not isinstance(exc, asyncio.IncompleteReadError) or not exc.partial
            if not (reused and unanswered):
                raise
        except BaseException:
            self.close()
            raise
        try:
            return await asyncio.wait_for(self._exchange(payload), timeout)
        except BaseException:
            self.close()
            raise

    def _encode(self, method: str, target: str, headers: dict[str, str], body: Any) -> bytes:
        data = b"" if body is None else json.dumps(body).encode()
        lines = [
            f"{method} {target} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(data)}",
        ]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + data

    async def _exchange(self, payload: bytes) -> Answer:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(payload)
        await self.writer.drain()
        status = int((await self.reader.readuntil(b"\r\n")).split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:
            body = await self._chunked() if "chunked" in headers.get("transfer-encoding", "") else b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        self.used = time.monotonic()
        return Answer(status, headers, body)

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        chunks = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append((await self.reader.readexactly(size + 2))[:-2])
        while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        return b"".join(chunks)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Connections:
    """One connection per origin, for one user: `request` takes a full URL."""

    def __init__(self) -> None:
        self.by_origin: dict[str, Connection] = {}

    async def request(self, method: str, url: str, headers: dict[str, str], body: Any = None) -> Answer:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        connection = self.by_origin.get(origin)
        if connection is None:
            connection = self.by_origin[origin] = Connection(origin)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return await connection.request(method, target, headers, body)

    def close(self) -> None:
        for connection in self.by_origin.values():
            connection.close()

"""One NATS connection per service: connects in the background (the service starts, and /readyz
says so, while NATS is away), reconnects forever, and provisions the streams."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError

from pmo_common.contracts.streams import DEAD_LETTER_STREAM, STREAMS, StreamSpec
from pmo_common.metrics import NATS_CONNECTED

log = logging.getLogger("pmo.nats")

DUPLICATE_WINDOW_SECONDS = 120.0


def stream_config(spec: StreamSpec, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


async def ensure_streams(js: JetStreamContext, replicas: int) -> None:
    """Every service provisions every stream (same config everywhere), so a consumer never waits
    for the owning service to have started once."""
    for spec in (*STREAMS.values(), DEAD_LETTER_STREAM):
        config = stream_config(spec, replicas)
        try:
            await js.add_stream(config)
        except BadRequestError as exc:
            if exc.err_code != 10058:  # stream name already in use with a different configuration
                raise
            await js.update_stream(config)


class NatsConnection:
    def __init__(self, url: str, service: str, *, replicas: int = 1) -> None:
        self.url = url
        self.service = service
        self.replicas = replicas
        self.nc: NATS | None = None
        self._js: JetStreamContext | None = None
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected and self.ready.is_set()

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("NATS is not connected yet")
        return self._js

    def start(self) -> None:
        NATS_CONNECTED.labels(self.service).set(0)  # present from the start, so "never connected" alerts
        self._task = asyncio.create_task(self._connect_forever(), name=f"{self.service}-nats-connect")

    async def _connect_forever(self) -> None:
        delay = 0.2
        while True:
            try:
                nc = await nats.connect(
                    # A cluster is given as a comma-separated list; the client fails over between them.
                    servers=[u.strip() for u in self.url.split(",") if u.strip()],
                    name=f"pmo-{self.service}",
                    max_reconnect_attempts=-1,  # survive long outages instead of closing for good
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    allow_reconnect=True,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                    closed_cb=self._on_closed,
                )
                js = nc.jetstream(timeout=5)
                await ensure_streams(js, self.replicas)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("NATS not reachable at %s (%s); retrying", self.url, self.last_error)
                try:
                    if "nc" in locals() and nc is not None:
                        await nc.close()
                except Exception:  # noqa: S110 - best effort on a half-open connection
                    pass
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self.nc, self._js = nc, js
            self.last_error = None
            self.ready.set()
            NATS_CONNECTED.labels(self.service).set(1)
            log.info("connected to NATS at %s", self.url)
            return

    async def _on_error(self, exc: Exception) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"

    async def _on_disconnected(self) -> None:
        NATS_CONNECTED.labels(self.service).set(0)
        log.warning("disconnected from NATS")

    async def _on_reconnected(self) -> None:
        NATS_CONNECTED.labels(self.service).set(1)
        log.info("reconnected to NATS")
        if self._js is not None:
            try:
                await ensure_streams(self._js, self.replicas)
            except Exception as exc:
                log.warning("could not re-provision streams after reconnect: %s", exc)

    async def _on_closed(self) -> None:
        NATS_CONNECTED.labels(self.service).set(0)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), timeout=5)
            except Exception:
                await self.nc.close()
        NATS_CONNECTED.labels(self.service).set(0)

    def status(self) -> dict[str, Any]:
        return {"connected": self.connected, "url": self.url, "last_error": self.last_error}

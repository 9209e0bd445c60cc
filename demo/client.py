"""A small HTTP client for the four services: bounded concurrency and patient retries for the
platform's eventual consistency (a service learns another's data from events a moment later)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SERVICES = ("portfolio", "risk", "resource", "reporting")
PORTS = {"portfolio": 8001, "risk": 8002, "resource": 8003, "reporting": 8004}
PREFIX = {s: f"/{s}/v1" for s in SERVICES}


def service_root(url: str, service: str) -> str:
    """`http://host:port` from a base URL given with or without the service's prefix."""
    url = url.rstrip("/")
    return url[: -len(PREFIX[service])] if url.endswith(PREFIX[service]) else url


@dataclass
class Config:
    """Where the stack is and who the loader is. `from_env` reads PMO_DEMO_<SERVICE>_URL, PMO_TOKEN,
    PMO_DEMO_HR_KEY, PMO_DEMO_SEED and PMO_DEMO_AGAIN."""

    portfolio_url: str = "http://127.0.0.1:8001"
    risk_url: str = "http://127.0.0.1:8002"
    resource_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    token: str | None = None
    hr_key: str | None = None
    seed: int = 2027
    again: bool = False
    concurrency: int = 16
    patience: float = 20.0
    timeout: float = 30.0
    minted: bool = field(default=False, init=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if environ is None else environ)

        def url(service: str) -> str:
            return env.get(f"PMO_DEMO_{service.upper()}_URL", f"http://127.0.0.1:{PORTS[service]}")

        return cls(
            portfolio_url=url("portfolio"),
            risk_url=url("risk"),
            resource_url=url("resource"),
            reporting_url=url("reporting"),
            token=env.get("PMO_TOKEN") or None,
            hr_key=env.get("PMO_DEMO_HR_KEY") or None,
            seed=int(env.get("PMO_DEMO_SEED", "2027")),
            again=env.get("PMO_DEMO_AGAIN", "").lower() in ("1", "true", "yes"),
        )

    def url(self, service: str) -> str:
        root = service_root(str(getattr(self, f"{service}_url")), service)
        return root + PREFIX[service]

    def root(self, service: str) -> str:
        return service_root(str(getattr(self, f"{service}_url")), service)

    def bearer(self) -> str:
        if self.token is None:
            from pmo_common.auth import make_token
            from pmo_common.settings import DEV_JWT_SECRET

            secret = os.environ.get("PMO_JWT_SECRET") or DEV_JWT_SECRET
            self.token = make_token("demo-pmo", ["admin"], secret, ttl_seconds=12 * 3600)
            self.minted = True
        return self.token


class DemoError(RuntimeError):
    """The stack answered something the loader cannot work with."""


def describe(response: httpx.Response) -> str:
    text = response.text
    return f"{response.request.method} {response.request.url} → {response.status_code}: {text[:600]}"


Retry = Callable[[httpx.Response], bool]


def unknown_field(name: str) -> Retry:
    """A 422 naming `name`: a reference the service has not learned from events yet."""

    def check(response: httpx.Response) -> bool:
        return response.status_code == 422 and name in response.text

    return check


def status_is(*codes: int) -> Retry:
    def check(response: httpx.Response) -> bool:
        return response.status_code in codes

    return check


class Api:
    def __init__(self, config: Config, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http
        self.gate = asyncio.Semaphore(config.concurrency)
        self.auth = {"Authorization": f"Bearer {config.bearer()}"}
        self.requests = 0
        self.retries = 0

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        """The bearer token, unless the call authenticates with an API key instead."""
        extra = extra or {}
        if any(k.lower() == "x-api-key" for k in extra):
            return extra
        return {**self.auth, **extra}

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201),
        retry: Retry | None = None,
        patience: float | None = None,
    ) -> httpx.Response:
        """One request; while `retry` says the answer is "not yet", retry with backoff for `patience`
        seconds. Transport errors and 503s are retried briefly too."""
        url = self.config.url(service) + path
        deadline = time.monotonic() + (self.config.patience if patience is None else patience)
        delay = 0.1
        while True:
            try:
                async with self.gate:
                    self.requests += 1
                    response = await self.http.request(
                        method, url, json=json, params=params, headers=self._headers(headers)
                    )
            except httpx.TransportError as exc:
                if time.monotonic() > deadline:
                    raise DemoError(f"{method} {url}: {exc!r} — is the stack running (make run)?") from exc
            else:
                if response.status_code in expect:
                    return response
                again = response.status_code == 503 or (retry is not None and retry(response))
                if not again or time.monotonic() > deadline:
                    raise DemoError(describe(response))
            self.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def json(self, method: str, service: str, path: str, **kw: Any) -> Any:
        response = await self.call(method, service, path, **kw)
        return response.json() if response.content else None

    async def all_pages(self, service: str, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        items: list[Any] = []
        query = {**(params or {}), "limit": 500}
        while True:
            page = await self.json("GET", service, path, params=query)
            items.extend(page["items"])
            if not page.get("next_cursor"):
                return items
            query["cursor"] = page["next_cursor"]

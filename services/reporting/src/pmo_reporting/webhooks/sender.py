"""One delivery attempt over HTTP, SSRF-safe: the target is checked again just before connecting
(`targets.checked_addresses`), the connection goes to a checked address (the name is not resolved
again by the HTTP client, so DNS rebinding cannot slip in), redirects are not followed, the connect
and total times are short, and at most `max_response_bytes` of the answer are read."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from pmo_reporting.webhooks import targets
from pmo_reporting.webhooks.targets import AllowList, IPAddress, Target, TargetRefused

USER_AGENT = "pmo-reporting-webhooks/1"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"  # CloudEvents' structured HTTP mode


@dataclass(frozen=True)
class SendLimits:
    connect_seconds: float = 3.0
    total_seconds: float = 10.0  # the whole attempt: resolving, connecting, sending, reading
    max_response_bytes: int = 64 * 1024


LIMITS = SendLimits()


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: float
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


class Sender:
    """Sends attempts on one HTTP client without keep-alive: each attempt opens its own connection
    to the address it checked (a pooled one could have been opened for another name)."""

    def __init__(self, allowed: AllowList, limits: SendLimits | None = None) -> None:
        self.allowed = allowed
        self.limits = limits or LIMITS
        self.client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the checked address is the one reached
            timeout=httpx.Timeout(self.limits.total_seconds, connect=self.limits.connect_seconds),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=0),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Outcome:
        started = time.monotonic()
        status: int | None = None
        retry_after: float | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(self.limits.total_seconds):
                status, retry_after = await self._send(url, headers, body)
        except TargetRefused as exc:
            error = f"refused: {exc}"
        except TimeoutError:
            error = f"no answer within {self.limits.total_seconds:g} s"
        except (httpx.HTTPError, OSError, ValueError) as exc:  # every failure is logged as the attempt's
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if error is None and status is not None and not 200 <= status < 300:
            error = _status_error(status)
        duration = (time.monotonic() - started) * 1000
        return Outcome(status, None if error is None else error[:500], round(duration, 1), retry_after)

    async def _send(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, float | None]:
        target = targets.parse_target(url)
        addresses = await targets.checked_addresses(target, self.allowed)
        failure: httpx.TransportError | None = None
        for address in addresses:  # each one checked; the next only if this one cannot be reached
            try:
                return await self._post(target, address, headers, body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def _post(
        self, target: Target, address: IPAddress, headers: dict[str, str], body: bytes
    ) -> tuple[int, float | None]:
        pinned = httpx.URL(target.url).copy_with(host=str(address))
        named = targets.as_address(target.host) is None
        request = self.client.build_request(
            "POST",
            pinned,
            content=body,
            headers={
                **headers,
                "Host": target.netloc,
                "Content-Type": CONTENT_TYPE,
                "User-Agent": USER_AGENT,
            },
            # TLS is checked against the name, not the address connected to.
            extensions={"sni_hostname": target.host} if target.scheme == "https" and named else {},
        )
        response = await self.client.send(request, stream=True)
        try:
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= self.limits.max_response_bytes:
                    break  # enough: only the status matters, and a receiver may not hold us up
        finally:
            await response.aclose()
        return response.status_code, _retry_after(response)


def _status_error(status: int) -> str:
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed; subscribe the final URL"
    return f"HTTP {status}"


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, when the receiver sent one as a number (429, 503)."""
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < 86400 else None

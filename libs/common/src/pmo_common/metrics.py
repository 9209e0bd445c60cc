"""Prometheus metrics of contract §6. Defined once per process and labelled by `service`, so
several services can share a process (tests) without clashing registrations."""

from __future__ import annotations

import re
import time
import weakref
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "pmo_http_requests_total",
    "HTTP requests by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "pmo_http_request_duration_seconds",
    "HTTP request duration by route template.",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "pmo_events_published_total", "Events relayed to JetStream.", ["service", "subject"]
)
EVENTS_CONSUMED = Counter(
    "pmo_events_consumed_total",
    "Events handled by this service's consumers, by result (ok, duplicate, error, dead_letter).",
    ["service", "subject", "result"],
)
EVENTS_DEAD_LETTERED = Counter(
    "pmo_events_dead_lettered_total", "Events moved to the dead-letter stream.", ["service", "subject"]
)
OUTBOX_PENDING = Gauge("pmo_outbox_pending", "Outbox events not yet published.", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "pmo_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox event (0 when none).", ["service"]
)
OUTBOX_PUBLISH_ERRORS = Counter(
    "pmo_outbox_publish_errors_total", "Failed or unconfirmed publishes (retried).", ["service"]
)
NATS_CONNECTED = Gauge("pmo_nats_connected", "1 while connected to NATS.", ["service"])


class HTTPMetricsMiddleware:
    """Counts and times requests by route template; paths no route matches are not recorded,
    so scanners cannot blow up the label space."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_template(scope)
            if route is not None:
                method = scope["method"]
                HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
                HTTP_DURATION.labels(self.service, method, route).observe(time.perf_counter() - start)


class RouteTemplates:
    """Maps a request path to its route template using the app's OpenAPI paths: independent of
    how the router nests included routers, and the same templates the docs show."""

    def __init__(self) -> None:
        # Per app: several services may share a process (tests), each with its own paths.
        self._compiled: weakref.WeakKeyDictionary[Any, list[tuple[re.Pattern[str], str]]] = (
            weakref.WeakKeyDictionary()
        )

    def _compile(self, app: Any) -> list[tuple[re.Pattern[str], str]]:
        templates = list(app.openapi().get("paths", {}))
        # Literal segments win over parameters (`/latest` before `/{report_id}`).
        templates.sort(key=lambda t: (t.count("{"), -len(t)))
        return [(re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(t)) + "$"), t) for t in templates]

    def lookup(self, scope: Scope) -> str | None:
        app = scope.get("app")
        if app is None or not hasattr(app, "openapi"):
            return None
        compiled = self._compiled.get(app)
        if compiled is None:
            compiled = self._compiled[app] = self._compile(app)
        path = scope.get("path", "")
        for pattern, template in compiled:
            if pattern.match(path):
                return template
        return None


ROUTES = RouteTemplates()


def _route_template(scope: Scope) -> str | None:
    return ROUTES.lookup(scope)

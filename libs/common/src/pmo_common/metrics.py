"""Prometheus metrics of contract §6. Defined once per process and labelled by `service`, so
several services can share a process (tests) without clashing registrations."""

from __future__ import annotations

import re
import weakref
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from prometheus_client import Counter, Gauge, Histogram
from starlette.types import Scope

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


class HTTPMetrics:
    """Counts and times requests by route template; paths no route matches are not recorded, so
    scanners cannot blow up the label space. Recorded by `pmo_common.observability.RequestMiddleware`."""

    def __init__(self, service: str) -> None:
        self.service = service
        # The labelled children, looked up once per (method, route, status), not on every request.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        if route is None:
            return
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                HTTP_REQUESTS.labels(self.service, method, route, str(status)),
                HTTP_DURATION.labels(self.service, method, route),
            )
        children[0].inc()
        children[1].observe(seconds)


class RouteTemplates:
    """Maps a request path to its route template: the path of each documented operation, as the
    OpenAPI document names it, independent of how the router nests included routers."""

    def __init__(self) -> None:
        # Per app: several services may share a process (tests), each with its own paths.
        self._compiled: weakref.WeakKeyDictionary[Any, tuple[re.Pattern[str], list[str]]] = (
            weakref.WeakKeyDictionary()
        )

    def templates(self, app: Any) -> list[str]:
        """The app's route templates, most specific first; compiled on first use (`app.py`: at startup)."""
        return self._for(app)[1]

    def _for(self, app: Any) -> tuple[re.Pattern[str], list[str]]:
        compiled = self._compiled.get(app)
        if compiled is None:
            compiled = self._compiled[app] = self._compile(app)
        return compiled

    def _compile(self, app: Any) -> tuple[re.Pattern[str], list[str]]:
        # The routes themselves, not `app.openapi()["paths"]`: building the document took 150-300 ms,
        # paid by the first request after every start (issue #17); these are the same paths.
        routes = iter_route_contexts(app.routes)
        documented = (r.path_format for r in routes if _documented(r.original_route) and r.path_format)
        templates = list(dict.fromkeys(documented))
        # Literal segments win over parameters (`/latest` before `/{report_id}`).
        templates.sort(key=lambda t: (t.count("{"), -len(t)))
        # One alternation, tried in that order inside the regex engine, not one Python match per route.
        branches = [
            f"(?P<r{i}>" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(t)) + ")"
            for i, t in enumerate(templates)
        ]
        return re.compile("^(?:" + "|".join(branches) + ")$"), templates

    def lookup(self, scope: Scope) -> str | None:
        """The route template of the request; found once per request (kept in its scope)."""
        if _ROUTE_KEY in scope:
            return scope[_ROUTE_KEY]
        app = scope.get("app")
        if app is None or not hasattr(app, "routes"):
            return None
        pattern, templates = self._for(app)
        match = pattern.match(scope.get("path", ""))
        template = templates[int(match.lastgroup[1:])] if match and match.lastgroup else None
        scope[_ROUTE_KEY] = template
        return template


def _documented(route: Any) -> bool:
    """What the OpenAPI document lists: the API routes it includes (not docs pages, not mounts)."""
    return isinstance(route, APIRoute) and route.include_in_schema


_ROUTE_KEY = "pmo.route_template"
ROUTES = RouteTemplates()

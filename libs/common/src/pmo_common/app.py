"""The app factory: a service declares its routers, tables, migrations and event handlers and gets
the rest — health and readiness, metrics, docs, problem+json errors, the body-size limit,
authentication, `Idempotency-Key`, request ids and JSON logs, the outbox relay and its consumers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_common.auth import Authenticator, authenticated, document_security
from pmo_common.boundary import refuse_nul
from pmo_common.contracts.problem import PROBLEM_MEDIA_TYPE
from pmo_common.db import Database
from pmo_common.docs import add_offline_docs, keep_null_examples
from pmo_common.errors import PROBLEM_BASE, install_error_handlers
from pmo_common.events.consumer import EventConsumer, EventHandlers
from pmo_common.events.nats import NatsConnection
from pmo_common.events.outbox import OUTBOX_DIRTY
from pmo_common.events.relay import OutboxRelay
from pmo_common.health import (
    HEALTHZ_DESCRIPTION,
    METRICS_DESCRIPTION,
    METRICS_RESPONSES,
    READYZ_DESCRIPTION,
    Health,
    Readiness,
)
from pmo_common.idempotency import IdempotencyMiddleware
from pmo_common.limits import BodySizeLimitMiddleware
from pmo_common.metrics import ROUTES
from pmo_common.migrations import migrations_at_head, upgrade_to_head
from pmo_common.observability import RequestMiddleware, configure_logging
from pmo_common.queries import strict_query
from pmo_common.responses import problem
from pmo_common.retries import TransactionRetryMiddleware
from pmo_common.settings import Settings

log = logging.getLogger("pmo.app")

BackgroundJob = Callable[["ServiceContext"], Coroutine[Any, Any, None]]

WarmUp = Callable[[Database], Coroutine[Any, Any, None]]
"""Work done once at startup so that the first requests do not pay for it (statements compiled,
connections opened); run before readiness, an error in it is logged and startup goes on."""


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem("Missing, invalid or expired credentials."),
    403: problem("The principal lacks the role, or does not own the project."),
    413: problem("The request body is over the limit."),
    422: problem("Invalid input; `errors` lists each field."),
}


@dataclass
class ServiceSpec:
    name: str
    prefix: str
    title: str
    description: str
    routers: Sequence[APIRouter]
    metadata: MetaData
    migrations: Path
    handlers: EventHandlers = field(default_factory=EventHandlers)
    # Path prefixes (after `prefix`) served with the import body limit; `{name}` matches one segment.
    large_body_paths: Sequence[str] = ()
    background: Sequence[BackgroundJob] = ()
    warm_up: WarmUp | None = None
    version: str = "0.1.0"
    openapi_tags: Sequence[dict[str, Any]] = ()


@dataclass
class ServiceContext:
    """What the lifespan builds; on `app.state.ctx` for routes and background jobs."""

    spec: ServiceSpec
    settings: Settings
    db: Database
    nats: NatsConnection
    relay: OutboxRelay
    consumer: EventConsumer
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)


def create_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings(service=spec.name)
    if settings.service != spec.name:
        settings = settings.model_copy(update={"service": spec.name})
    configure_logging(spec.name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = await _start(spec, settings)
        app.state.ctx = ctx
        app.state.db = ctx.db
        await _warm_up(spec, ctx.db)
        _before_the_first_request(app)
        # What startup built (modules, models, routes: ~230,000 objects) lives as long as the process;
        # in the oldest generation every full collection walked it again, 230-300 ms on our 2-core
        # machine, with the event loop stopped — the p99 of every route. Frozen, collections walk only
        # what requests leave behind. Unfrozen at shutdown, so that an app started and stopped in a
        # longer-lived process (the tests) leaves its cycles collectable.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await _stop(ctx)

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        openapi_tags=list(spec.openapi_tags) or None,
        docs_url=None,  # served from the project's own assets by add_offline_docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.prefix = spec.prefix
    app.state.authenticator = Authenticator(settings)
    install_error_handlers(app)
    _add_operational_routes(app, spec)
    add_offline_docs(app, spec.title)
    keep_null_examples(app)
    document_security(app, spec.prefix)
    for router in spec.routers:
        app.include_router(
            router,
            prefix=spec.prefix,
            dependencies=[Depends(_guard)],
            responses=COMMON_RESPONSES,
        )

    _add_middleware(app, spec, settings)
    return app


async def _guard(request: Request) -> None:
    """Every route's checks, in this order: credentials and role (401/403), then undeclared query
    parameters and NUL characters (422). One dependency rather than three: FastAPI's cost is per
    dependency, on every request."""
    await authenticated(request)
    await strict_query(request)
    await refuse_nul(request)


def _add_middleware(app: FastAPI, spec: ServiceSpec, settings: Settings) -> None:
    large = tuple(spec.prefix + p for p in spec.large_body_paths)
    app.state.nul_exempt_paths = large  # their parsers reject the row holding NUL (or the atomic import)
    # A path with `{name}` segments (`/portfolios/{portfolio_id}/imports/`) matches any value there.
    templates = [_path_prefix(p) for p in large if "{" in p]

    def limit_for_path(path: str) -> int:
        if path.startswith(large) or any(t.match(path) for t in templates):
            return settings.max_import_body_bytes
        return settings.max_body_bytes

    # Added innermost first: request id, headers, metrics and log → size limit → idempotency →
    # transaction retries → routes.
    app.add_middleware(TransactionRetryMiddleware)
    app.add_middleware(
        IdempotencyMiddleware,
        db_getter=lambda: app.state.db,
        authenticator_getter=lambda: app.state.authenticator,
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
    )
    app.add_middleware(BodySizeLimitMiddleware, limit_for_path=limit_for_path)
    app.add_middleware(RequestMiddleware, service=spec.name)


def _path_prefix(template: str) -> re.Pattern[str]:
    """A path prefix in which each `{name}` segment stands for any one path segment."""
    parts = re.split(r"\{[^}/]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _before_the_first_request(app: FastAPI) -> None:
    """What the first request after a start would otherwise do (issue #17: 420 ms for a list that
    then answers in 5 ms): the route templates the metrics label requests with, and the routers'
    own route lists, which FastAPI builds on first use (100-400 ms); anyio's asyncio backend, which
    a route with a `yield` dependency (every session) imports when it first enters a cancel scope
    (40 ms)."""
    ROUTES.templates(app)
    anyio.get_cancelled_exc_class()


async def _warm_up(spec: ServiceSpec, db: Database) -> None:
    if spec.warm_up is None:
        return
    try:
        await spec.warm_up(db)
    except Exception:  # an optimisation: the service serves without it, only its first requests slower
        log.exception("warm-up failed; serving without it")


async def _start(spec: ServiceSpec, settings: Settings) -> ServiceContext:
    db = Database(settings.effective_database_url)
    if settings.migrate_on_start:
        await upgrade_to_head(db.engine, spec.migrations)
    nats = NatsConnection(settings.nats_url, spec.name, replicas=settings.nats_stream_replicas)
    relay = OutboxRelay(db, nats, spec.name, poll_seconds=settings.outbox_poll_seconds)

    def wake_relay(session: AsyncSession) -> None:
        if session.info.pop(OUTBOX_DIRTY, False):
            relay.wake()

    db.on_commit(wake_relay)
    consumer = EventConsumer(
        db,
        nats,
        spec.name,
        spec.handlers.subscriptions,
        max_deliver=settings.consumer_max_deliver,
        ack_wait=settings.consumer_ack_wait_seconds,
    )
    ctx = ServiceContext(spec, settings, db, nats, relay, consumer)
    nats.start()
    ctx.tasks.append(asyncio.create_task(relay.run(), name=f"{spec.name}-relay"))
    ctx.tasks.append(asyncio.create_task(consumer.start(), name=f"{spec.name}-consumers"))
    for job in spec.background:
        ctx.tasks.append(asyncio.create_task(job(ctx), name=f"{spec.name}-{job.__name__}"))
    return ctx


async def _stop(ctx: ServiceContext) -> None:
    await ctx.consumer.close()
    ctx.relay.stop()
    relay_task = ctx.tasks[0]  # the relay finishes its round; background jobs are simply cancelled
    for task in ctx.tasks[1:]:
        task.cancel()
    _, pending = await asyncio.wait([relay_task], timeout=5)
    for task in pending:
        task.cancel()
    await asyncio.gather(*ctx.tasks, return_exceptions=True)
    # One last round so events committed just before shutdown leave now rather than at next start.
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ctx.relay.publish_pending(), timeout=3)
    await ctx.relay.close()
    await ctx.nats.close()
    await ctx.db.dispose()


async def _readiness(ctx: ServiceContext, spec: ServiceSpec) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    try:
        await asyncio.wait_for(ctx.db.ping(), timeout=2)
        checks["database"] = {"ok": True}
        ok, detail = await asyncio.wait_for(migrations_at_head(ctx.db.engine, spec.migrations), timeout=2)
        checks["migrations"] = {"ok": ok, "detail": detail}
    except Exception as exc:
        checks["database"] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
        checks["migrations"] = {"ok": False, "detail": "unknown while the database is unreachable"}
    checks["nats"] = {"ok": ctx.nats.connected}
    if not ctx.nats.connected:
        checks["nats"]["detail"] = ctx.nats.last_error or "not connected"
    return checks


def _add_operational_routes(app: FastAPI, spec: ServiceSpec) -> None:
    ops = APIRouter(tags=["operations"])

    @ops.get(
        "/healthz", response_model=Health, summary="The process is alive", description=HEALTHZ_DESCRIPTION
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @ops.get(
        "/readyz",
        response_model=Readiness,
        summary="Database reachable, migrations at head, NATS connected",
        description=READYZ_DESCRIPTION,
        responses={503: problem("A check failed; `checks` names it.")},
    )
    async def readyz(request: Request) -> JSONResponse:
        checks = await _readiness(request.app.state.ctx, spec)
        failing = [name for name, check in checks.items() if not check["ok"]]
        if failing:
            return JSONResponse(
                {
                    "type": PROBLEM_BASE + "not-ready",
                    "title": "Not ready",
                    "status": 503,
                    "detail": "Failing: " + ", ".join(failing),
                    "checks": checks,
                },
                status_code=503,
                media_type=PROBLEM_MEDIA_TYPE,
            )
        return JSONResponse({"status": "ready", "service": spec.name, "checks": checks})

    @ops.get(
        "/metrics",
        summary="Prometheus metrics",
        description=METRICS_DESCRIPTION,
        response_class=Response,
        responses=METRICS_RESPONSES,
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(ops)

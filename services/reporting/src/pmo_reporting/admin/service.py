"""Rebuilding the read models by replaying every upstream stream from its start."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from pmo_common.app import ServiceContext
from pmo_common.errors import Conflict
from pmo_common.events.consumer import INBOX
from sqlalchemy import delete, func, select

from pmo_reporting.admin.schemas import RebuildResult
from pmo_reporting.readmodels.models import GLOBAL_SCOPE, READ_MODELS
from pmo_reporting.readmodels.repository import bump_versions


def _rebuild_lock(app: FastAPI) -> asyncio.Lock:
    """One rebuild at a time per app; kept on the app itself, so it lives and dies with it."""
    lock = getattr(app.state, "rebuild_lock", None)
    if lock is None:
        lock = app.state.rebuild_lock = asyncio.Lock()
    return lock


async def rebuild(app: FastAPI) -> RebuildResult:
    """Stop the consumers, empty the read models and this service's inbox in one transaction,
    delete the durable consumers and start again: each durable is recreated with DeliverPolicy.ALL,
    so every event is applied again. Status reports and project health are this service's own data
    and are kept."""
    lock = _rebuild_lock(app)
    if lock.locked():
        raise Conflict("A rebuild is already running.")
    ctx: ServiceContext = app.state.ctx
    async with lock:
        await ctx.consumer.close()  # in-flight handlers roll back; their events are replayed anyway
        try:
            deleted = await _empty_read_models(ctx)
            await ctx.consumer.delete_consumers()
        finally:
            await ctx.consumer.start()
    return RebuildResult(
        status="replaying",
        deleted_rows=deleted,
        consumers=[ctx.consumer.durable(s) for s in ctx.consumer.subscriptions],
        kept=[
            "status_reports",
            "project_health",
            "rm_data_versions",
            "audit_entries",
            "outbox",
            "idempotency_keys",
        ],
    )


async def _empty_read_models(ctx: ServiceContext) -> dict[str, int]:
    deleted: dict[str, Any] = {}
    async with ctx.db.transaction() as session:
        for model in (*READ_MODELS, INBOX):
            table = getattr(model, "__table__", model)
            deleted[table.name] = await session.scalar(select(func.count()).select_from(table)) or 0
            await session.execute(delete(table))
        await bump_versions(session, GLOBAL_SCOPE)  # no cached dashboard outlives a rebuild
    return deleted

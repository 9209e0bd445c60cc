"""The periodic sweep that publishes `action.overdue` for actions whose due date passes while nobody
writes them (a write into the past announces its own crossing): within SWEEP_SECONDS of midnight UTC.

It survives restarts and runs once across replicas because its state is the database's: an action
records the due date whose crossing was announced (`overdue_announced_for`), announcements are
written in one transaction with their outbox rows, one sweeper at a time holds the sweep's lock
(`serialize`: an advisory lock on PostgreSQL; SQLite has one writer), and an action changed
meanwhile fails the sweep's version check instead of being announced twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from pmo_common.db import Database, serialize

from pmo_portfolio.actions import repository, rules, service

if TYPE_CHECKING:
    from pmo_common.app import ServiceContext

log = logging.getLogger("pmo.portfolio.actions.sweep")

SWEEP_SECONDS = 2.0  # how often it looks: "within 10 s of the crossing" with room to spare
BATCH = 200  # announcements per transaction
SWEEP_LOCK = "pmo-portfolio-actions-overdue-sweep"


async def sweep(db: Database) -> int:
    """Announce every overdue action whose crossing is unannounced; returns how many."""
    today = rules.today()
    # A read first (no write lock): most rounds find nothing to do.
    async with db.read_sessionmaker() as session:
        if not await repository.any_unannounced(session, today):
            return 0
    total = 0
    while True:
        async with db.transaction() as session:
            await serialize(session, SWEEP_LOCK)
            due = await repository.unannounced(session, today, limit=BATCH)
            for action in due:
                await service.announce_overdue(session, action)
        total += len(due)
        if len(due) < BATCH:
            return total


async def run_sweeps(db: Database, interval: float = SWEEP_SECONDS) -> None:
    """Sweep every `interval` seconds until cancelled; a failed round is logged and retried."""
    while True:
        running = asyncio.ensure_future(sweep(db))
        try:
            # Shielded: a transaction cancelled half-way could hold SQLite's write lock into shutdown.
            count = await asyncio.shield(running)
            if count:
                log.info("announced %d overdue action(s)", count)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(running, timeout=2)
            raise
        except Exception as exc:  # e.g. an action changed under it: the next round sees it anew
            log.warning("overdue sweep failed: %s", exc)
        await asyncio.sleep(interval)


async def announce_overdue_actions(ctx: ServiceContext) -> None:
    """The service's background job (`ServiceSpec.background`)."""
    await run_sweeps(ctx.db)

"""Domain metrics of the risk service, defined once per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.risks import repository

if TYPE_CHECKING:
    from pmo_common.app import ServiceContext

log = logging.getLogger("pmo.risk.metrics")

OPEN_RISKS = Gauge("pmo_risk_open_risks", "Open risks and opportunities by level.", ["service", "level"])
REFRESH_SECONDS = 30.0  # at the latest; a commit triggers a refresh sooner
MIN_INTERVAL_SECONDS = 1.0  # at most one count per second, however busy the service is


async def _refresh(ctx: ServiceContext, seen: set[str]) -> None:
    # A read session: on SQLite it does not take the write lock (`BEGIN`, not `BEGIN IMMEDIATE`).
    async with ctx.db.read_sessionmaker() as session:
        counts = await repository.open_counts_by_level(session)
    for level in seen - counts.keys():
        OPEN_RISKS.labels(ctx.spec.name, level).set(0)
    for level, count in counts.items():
        OPEN_RISKS.labels(ctx.spec.name, level).set(count)
    seen |= counts.keys()


async def refresh_open_risks(ctx: ServiceContext) -> None:
    """Background job keeping `pmo_risk_open_risks` right in every replica: recounts after commits
    (debounced) and at least every REFRESH_SECONDS."""
    wake = asyncio.Event()

    def on_commit(_session: AsyncSession) -> None:
        wake.set()

    ctx.db.on_commit(on_commit)
    seen: set[str] = set()
    while True:
        wake.clear()
        running = asyncio.ensure_future(_refresh(ctx, seen))
        try:
            # Shielded: a query cancelled half-way would leave its connection to be cleaned up late.
            await asyncio.shield(running)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(running, timeout=2)  # bounded: shutdown never waits on a gauge
            raise
        except Exception as exc:  # the gauge is best effort; never let it take the service down
            log.warning("could not refresh pmo_risk_open_risks: %s", exc)
        await asyncio.sleep(MIN_INTERVAL_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=REFRESH_SECONDS)

"""Consumed events: the portfolio service's projects and portfolios, kept as local read models so
that risk writes can check project ownership without calling another service."""

from __future__ import annotations

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import CATALOGUE, PortfolioData, ProjectData, validate_data
from pmo_common.events.consumer import EventHandlers, apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.catalog.models import KnownPortfolio, KnownProject

handlers = EventHandlers()


@handlers.on("pmo.portfolio.project.*", "pmo.portfolio.portfolio.*", name="portfolio-catalog")
async def portfolio_catalog(session: AsyncSession, event: CloudEvent) -> None:
    subject = event.nats_subject
    if subject not in CATALOGUE:
        return  # a subject added upstream after this service was built: nothing to learn from it
    data = validate_data(subject, event.data)
    if isinstance(data, ProjectData):
        await apply_if_newer(
            session,
            KnownProject,
            data.id,
            data.version,
            {
                "id": data.id,
                "portfolio_id": data.portfolio_id,
                "code": data.code[:100],
                "name": data.name[:200],
                "manager": data.manager[:200] if data.manager else None,
                "stage": data.stage[:30],
                "deleted": data.deleted or subject.endswith(".deleted"),
            },
        )
    elif isinstance(data, PortfolioData):
        await apply_if_newer(
            session,
            KnownPortfolio,
            data.id,
            data.version,
            {
                "id": data.id,
                "name": data.name[:200],
                "currency": data.currency[:3],
                "deleted": data.deleted or subject.endswith(".deleted"),
            },
        )

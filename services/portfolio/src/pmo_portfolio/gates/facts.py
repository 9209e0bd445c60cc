"""Facts about projects that gate criteria read (contract §7.5), kept from other services' events."""

from __future__ import annotations

from typing import TypeAlias

from pmo_common.contracts.events import (
    ResponseCreated,
    ResponseUpdated,
    RiskClosed,
    RiskDeescalated,
    RiskEscalated,
    RiskRaised,
    RiskUpdated,
    StatusReportSubmitted,
)
from sqlalchemy.ext.asyncio import AsyncSession

RiskEvent: TypeAlias = RiskRaised | RiskUpdated | RiskClosed | RiskEscalated | RiskDeescalated


async def on_status_report(session: AsyncSession, event: StatusReportSubmitted) -> None:
    """The latest report's date, overall RAG, SPI and CPI per project."""


async def on_risk(session: AsyncSession, event: RiskEvent) -> None:
    """Open risks per project: count, highest score, escalated ones."""


async def on_response(session: AsyncSession, event: ResponseCreated | ResponseUpdated) -> None:
    """Which escalated risks have a response."""

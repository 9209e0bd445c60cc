"""The action register's share of consumed events: a status report's actions and a risk's responses
appear in the register on their own (source `status_report` / `risk_response`)."""

from __future__ import annotations

from pmo_common.contracts.events import ResponseCreated, ResponseUpdated, StatusReportSubmitted
from sqlalchemy.ext.asyncio import AsyncSession


async def on_status_report(session: AsyncSession, event: StatusReportSubmitted) -> None:
    """The report's actions enter (or update) the register."""


async def on_response(session: AsyncSession, event: ResponseCreated | ResponseUpdated) -> None:
    """A risk response enters (or updates) the register."""
